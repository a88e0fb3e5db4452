'use strict';
/**
 * `require('tanba')` (package.json exports, "require" condition). tanba is an ES module.
 * Node 20.19+ and 22.12+ can require() an ES module: there this hands back the ES module itself.
 * Older runtimes (Node 20.0–20.18, 22.0–22.11, Electron 34 and older) cannot, and get one clear
 * error naming the alternative instead of ERR_PACKAGE_PATH_NOT_EXPORTED or ERR_REQUIRE_ESM.
 */
if (process.features && process.features.require_module) {
  module.exports = require('../dist/src/index.js');
} else {
  const err = new Error(
    "require('tanba'): tanba is an ES module, and this Node.js (" + process.version + ') cannot require() one ' +
      '(Node.js 20.19+ and 22.12+ can, unless started with --no-experimental-require-module; Electron 35+). ' +
      "From CommonJS, load it with `const tanba = await import('tanba')` or `import('tanba').then((tanba) => …)`.",
  );
  err.code = 'TANBA_ESM_ONLY';
  throw err;
}
