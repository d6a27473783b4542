// Entry of a backtest worker thread (pool.ts): a worker starts without the parent's module hooks,
// so it registers tsx, as bin/rekwatch does, and runs the TypeScript worker.
'use strict';
require('tsx/cjs/api').register();
require('./worker.ts');
