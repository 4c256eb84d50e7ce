// node node18.mjs OUT_DIR: app.mjs as on Node 18, which has no process.getBuiltinModule (added in 20.16/22.3).
delete process.getBuiltinModule;
if (process.getBuiltinModule) throw new Error('process.getBuiltinModule could not be removed');
await import('./app.mjs');
