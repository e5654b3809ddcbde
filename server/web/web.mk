# server/web/web.mk - the review page's files, embedded into the server as
# $(BUILD)/gen/web_assets.c (included from the top Makefile, which links
# $(WEB_OBJ) into the server and the unit tests).

WEB_FILES := server/web/index.html server/web/review.css server/web/common.js \
             server/web/explain.js server/web/child.js server/web/note.js \
             server/web/queue.js server/web/review.js
WEB_GEN   := $(BUILD)/gen/web_assets.c
WEB_OBJ   := $(BUILD)/obj/gen/web_assets.o

$(WEB_GEN): $(WEB_FILES) server/web/embed.sh server/web/web.mk
	@mkdir -p $(@D)
	sh server/web/embed.sh $(WEB_FILES) >$@.tmp && mv $@.tmp $@

$(WEB_OBJ): $(WEB_GEN)
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -c $< -o $@

.PHONY: clean-web
clean: clean-web
clean-web:
	rm -rf $(BUILD)/gen
