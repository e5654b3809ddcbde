// pouch_tls.js - preloaded into pouchdb-server (node -r) by
// tests/bench/notes.sh so that the CouchDB-compatible peer of the couch
// row serves over TLS, as fieldnote does, with the same certificate.
// pouchdb-server's express app listens through http.createServer(app);
// this makes that an https server. Node's defaults: TLS 1.2 and 1.3,
// keep-alive. POUCH_TLS_CERT and POUCH_TLS_KEY name the PEM files.
'use strict';
const fs = require('fs');
const http = require('http');
const https = require('https');

const tls = {
	cert: fs.readFileSync(process.env.POUCH_TLS_CERT),
	key: fs.readFileSync(process.env.POUCH_TLS_KEY),
};
http.createServer = (...args) => https.createServer(tls, ...args.filter((a) => typeof a === 'function'));
