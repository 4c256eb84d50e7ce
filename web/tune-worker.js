// The hyperparameter search in a worker of its own. The search is one long engine call that no message can
// interrupt, so Cancel ends this worker (the page terminates it) while the main worker keeps the data and the
// model. Request: {type: 'tune', id, bytes, name, options, hasTimestamps, params, budgetSeconds}.
import { ErrorCode, Reply, Request, toErrorPayload } from './protocol.js';
import { loadFailedMessage, startEngine } from './engine.js';

const K = 10;
const post = (message) => self.postMessage(message);

const trialSummary = (t) => ({ factors: t.params.factors, unobservedWeight: t.params.unobservedWeight,
                               alpha: t.params.alpha, regularization: t.params.regularization,
                               regExponent: t.params.regExponent, ndcg: t.ndcg, recall: t.recall,
                               objective: t.objective, seconds: t.seconds, stage: t.stage });

self.onmessage = async ({ data: m }) => {
  if (m?.type !== Request.TUNE) return;
  const { id } = m;
  let api;
  try {
    api = await startEngine();
  } catch (error) {
    post({ type: Reply.ERROR, id, code: ErrorCode.LOAD_FAILED, message: loadFailedMessage(error) });
    return;
  }
  try {
    post({ type: Reply.PROGRESS, id, phase: 'prepare', text: `Loading ${m.name} in the tuning worker…` });
    const dataset = api.loadRatings(m.bytes, { ...m.options, sourceName: m.name });
    const split = m.hasTimestamps ? 'temporal:0.2' : 'random:0.2';
    const result = api.tune(dataset, {
      split, k: K, budgetSeconds: m.budgetSeconds, params: m.params,
      onProgress: (p) => post({ type: Reply.PROGRESS, id, phase: 'search', trialsDone: p.trialsDone,
                                elapsed: p.elapsed, budget: p.budget, last: trialSummary(p.last),
                                best: trialSummary(p.best) }),
      onSearchDone: (t) => post({ type: Reply.PROGRESS, id, phase: 'evaluate', trialsDone: t.trials.length,
                                  text: 'Training the best settings on the training part and measuring them on the ' +
                                        'held-out test split…' }),
    });
    const t = result.tuning;
    post({ type: Reply.RESULT, id, params: t.params, trials: t.trials.map(trialSummary), best: t.best,
           validation: t.trials[t.best].objective, budgetExhausted: t.budgetExhausted, seconds: t.seconds,
           metrics: result.metrics, popularity: result.baseline.popularity, split });
  } catch (error) {
    post({ type: Reply.ERROR, id, ...toErrorPayload(error) });
  }
};
