// What the package tests run wherever the installed package is imported as 'alsrec' (node: app.mjs; a browser
// page without a bundler: index.html, through an import map): a generated catalogue as CSV bytes, read back as a
// user's file would be, trained with fixed parameters, and the top 10 of a few users.
import { AlsrecError, loadAlsrec } from 'alsrec';

// The CLI: --factors 32 --iterations 10 --seed 42 --regularization 0.1 --solver cholesky. λ = 0.1 keeps every solve
// well conditioned, so the native build (-march=native) and wasm (SIMD128) round their way to the same factors
// (scores within ~1e-5); with the λ decided for this small data set (0.005) two independent fits end ~10% apart.
export const PARAMS = { factors: 32, iterations: 10, seed: 42, regularization: 0.1, solver: 'cholesky' };
export const USERS = ['1', '2', '77', '400'];

export async function run(loadOptions) {
  const alsrec = await loadAlsrec(loadOptions);
  const demo = alsrec.generateDemo({ users: 400, items: 300, interactions: 12000, seed: 11 });
  demo.dataset.delete();
  const dataset = alsrec.loadRatings(demo.ratingsCsv, { sourceName: 'ratings.csv' });
  const model = alsrec.train(dataset, PARAMS, { search: 'none' });  // the CLI: --no-screen
  try {
    let unknownUser = 'no error';
    try {
      model.recommend('no-such-user', 10);
    } catch (e) {
      unknownUser = e instanceof AlsrecError ? e.code : `not an AlsrecError: ${e}`;
    }
    const recommendations = {};
    const alreadyRated = {};
    for (const user of USERS) {
      recommendations[user] = model.recommend(user, 10).map(({ itemId, score }) => ({ itemId, score }));
      const rated = new Set(dataset.userItems(user).map((e) => e.itemId));
      alreadyRated[user] = recommendations[user].filter((e) => rated.has(e.itemId)).length;
    }
    const { users, items, interactions } = dataset.summary();
    const result = { version: alsrec.version, threads: alsrec.threads, users, items, interactions,
                     params: model.params, unknownUser, recommendations, alreadyRated };
    return { result, ratingsCsv: demo.ratingsCsv, modelFile: model.save() };
  } finally {
    model.delete();
    dataset.delete();
  }
}
