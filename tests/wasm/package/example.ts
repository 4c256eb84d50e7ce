// Type-checked against the installed package's alsrec.d.ts (tsc --noEmit): typical use must compile, and the
// misuse marked @ts-expect-error must not (an unused directive is itself an error, so loose `any` types fail too).
import { AlsrecError, loadAlsrec, type ErrorCode, type Model, type ScoredItem, type TrainParams } from 'alsrec';

const alsrec = await loadAlsrec({ threads: 'auto' });
const { dataset, items } = alsrec.generateDemo({ users: 100, items: 80, interactions: 2000, seed: 1 });
const params: TrainParams = { factors: 16, iterations: 5, confidence: 'ials' };
let model: Model | undefined;
export const shown: unknown[] = [];
try {
  model = alsrec.train(dataset, params, { search: 'none', onProgress: (p) => p.iteration < 5 });
  const top: ScoredItem[] = model.recommend('1', 10, { excludeSeen: true });
  const titles: string[] = top.map((s) => items.find((i) => i.id === s.itemId)?.title ?? s.itemId);
  const vector: Float32Array = model.foldIn([{ itemId: top[0].itemId, value: 5 }]);
  const bytes: Uint8Array = model.save();
  shown.push(titles, model.recommendVector(vector, 5), bytes.length, alsrec.parameters.map((p) => p.flag));

  // @ts-expect-error n is a number
  model.recommend('1', '10');
  // @ts-expect-error not a load option
  await loadAlsrec({ thread: 'auto' });
  // @ts-expect-error not a confidence mode
  alsrec.train(dataset, { confidence: 'bayesian' });
  // @ts-expect-error a Model has no fit()
  model.fit();
} catch (e) {
  if (e instanceof AlsrecError) {
    const code: ErrorCode = e.code;
    shown.push(code, e.message);
  }
} finally {
  model?.delete();
  dataset.delete();
}
