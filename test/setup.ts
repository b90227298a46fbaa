/** Loaded by mocha before any spec (.mocharc.json `require`): the same preload as the npm scripts. */
import "../tools/preload.ts";
