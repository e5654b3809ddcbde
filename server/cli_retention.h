/* cli_retention.h - the hold, retention and export commands. argv[0] is
 * the command's name; prints what it did on stdout and why it failed on
 * stderr; returns the exit status: 0 success, 1 failure, 2 usage error. */
#ifndef FN_CLI_RETENTION_H
#define FN_CLI_RETENTION_H

/* fieldnote hold add|remove|list, retention run, export child REF */
int cli_retention(int argc, char **argv);

#endif
