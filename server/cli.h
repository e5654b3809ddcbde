/* cli.h - what the command line's files share: settings from flags, opening
 * and closing the store's modules, and each command's entry point. Every
 * command returns the process exit status: 0, 1 failure, 2 usage error. */
#ifndef FN_CLI_H
#define FN_CLI_H

#include "app.h"
#include "config.h"

/* Prints "fieldnote: msg" and where to find help; returns 2. */
int cli_fail_usage(const char *msg);
/* Applies --config FILE, then "--name value" pairs from argv[i]; returns
 * the index of the first argument that is not an option, or -1 after
 * printing an error. */
int cli_parse_settings(struct config *c, int argc, char **argv, int i);
/* Opens (create: makes) the store and every module on it into *app. */
int cli_open_app(struct app *app, const struct config *cfg, int create);
void cli_close_app(struct app *app);

int cli_init(struct config *cfg);
int cli_serve(struct config *cfg);
int cli_user_add(struct config *cfg, int argc, char **argv);
/* user disable|enable|unlock, device revoke */
int cli_account(struct config *cfg, int argc, char **argv);
/* guidance import|withdraw: argv[i..] are files or ids */
int cli_guidance(struct config *cfg, const char *sub, int argc, char **argv, int i);
int cli_audit_verify(struct config *cfg);
int cli_convert(int argc, char **argv);
/* cli_list.c: user list, user passwd, device list, guidance list, audit export */
int cli_user_list(struct config *cfg);
int cli_user_passwd(struct config *cfg, const char *username);
int cli_device_list(struct config *cfg);
int cli_guidance_list(struct config *cfg);
int cli_audit_export(struct config *cfg, const char *out);

#endif
