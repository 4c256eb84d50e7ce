// node app.mjs OUT_DIR: demo.mjs under node; writes the ratings it trained on to OUT_DIR/ratings.csv and the model
// to OUT_DIR/model.alsr (both for the CLI) and prints the result as JSON.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { run } from './demo.mjs';

const { result, ratingsCsv, modelFile } = await run();
writeFileSync(join(process.argv[2], 'ratings.csv'), ratingsCsv);
writeFileSync(join(process.argv[2], 'model.alsr'), modelFile);
process.stdout.write(JSON.stringify(result));
