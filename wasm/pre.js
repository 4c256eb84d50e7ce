// Prepended inside the Emscripten factory (--pre-js). Emscripten 3.1.6's node branch uses __dirname and
// require, neither of which exists in an ES module: give them local stand-ins. _scriptDir is the factory's
// import.meta.url. In browsers and workers these two names are never read.
var __dirname = (typeof _scriptDir == 'string' && _scriptDir.startsWith('file:'))
  ? decodeURIComponent(new URL('.', _scriptDir).pathname) : '';
var require = (typeof process == 'object' && process.getBuiltinModule)
  ? (name) => process.getBuiltinModule(name) : undefined;
