/**
 * The layers of src/, one way only (lower never imports higher), checked by `npm run lint`:
 *
 *   catalogue   src/queues/contracts/{queue-names,queue-catalogue,job-priority}.ts — names, types
 *   common      src/common            — validation helpers, the platform vocabulary
 *   config      src/config            — validated configuration (QUEUE_<NAME>_* for any name)
 *   infra       src/infra             — Redis and MongoDB plumbing
 *   integrations src/integrations     — ports and adapters to the outside world; no job types
 *   contracts   src/queues/contracts, src/queues/<queue>/*.payload.ts (+ its validators)
 *                                      — what a job handler sees: JobContext, outcomes, errors,
 *                                        payload classes
 *   domain      src/{content,social,media,mail}
 *   engine      the rest of src/queues — kernel, records, queue folders, the pipeline
 *   app         src/{auth,http,realtime,scheduler,jobs,submissions,admin-board,health}, src/*.ts
 *
 * See docs/architecture.md. A rule's comment is what `npm run lint` prints when it is broken.
 */
const CATALOGUE = '^src/queues/contracts/(queue-names|queue-catalogue|job-priority)\\.ts$';
const COMMON = '^src/common/';
const CONFIG = '^src/config/';
const INFRA = '^src/infra/';
const INTEGRATIONS = '^src/integrations/';
const CONTRACTS = [
  '^src/queues/contracts/',
  '^src/queues/[^/]+/[^/]+\\.payload\\.ts$',
  '^src/queues/social-posting/fits-platforms\\.validator\\.ts$',
];
const DOMAIN = '^src/(content|social|media|mail)/';
const QUEUES = '^src/queues/';
const APP = [
  '^src/(auth|http|realtime|scheduler|jobs|submissions|admin-board|health|metrics)/',
  '^src/[^/]+\\.ts$',
];

const below = (name, from, allowed, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from, pathNot: '\\.spec\\.ts$' },
  to: { path: '^src/', pathNot: allowed },
});

module.exports = {
  forbidden: [
    below(
      'catalogue-is-a-leaf',
      CATALOGUE,
      [CATALOGUE],
      'The queue catalogue (names, rows, priorities) is plain data: it imports nothing from src/.',
    ),
    below(
      'common-is-a-leaf',
      COMMON,
      [COMMON],
      'src/common is the bottom layer: it imports nothing else from src/.',
    ),
    below(
      'config-below-all',
      CONFIG,
      [CONFIG, COMMON, CATALOGUE],
      'src/config may import only common and the queue catalogue.',
    ),
    below(
      'infra-below-integrations',
      INFRA,
      [INFRA, CONFIG, COMMON, CATALOGUE],
      'src/infra may import only config, common and the catalogue.',
    ),
    below(
      'integrations-know-no-jobs',
      INTEGRATIONS,
      [INTEGRATIONS, INFRA, CONFIG, COMMON, CATALOGUE],
      'Adapters know nothing of jobs or the domain: throw ProviderError (its `permanent` flag says whether a retry can help) and let the caller decide.',
    ),
    below(
      'contracts-know-no-engine',
      CONTRACTS,
      [...CONTRACTS, INTEGRATIONS, INFRA, CONFIG, COMMON, CATALOGUE],
      'Job contracts (JobContext, outcomes, errors, payloads) import nothing from the domain, the engine or the app.',
    ),
    below(
      'domain-below-queues',
      DOMAIN,
      [DOMAIN, ...CONTRACTS, INTEGRATIONS, INFRA, CONFIG, COMMON, CATALOGUE],
      'Domain code (content, social, media, mail) sees the queue system only through its contracts (src/queues/contracts, payload classes); the engine calls the domain, not the other way round.',
    ),
    below(
      'engine-below-app',
      QUEUES,
      [QUEUES, DOMAIN, INTEGRATIONS, INFRA, CONFIG, COMMON, CATALOGUE],
      'The queue engine never imports HTTP, realtime, scheduler or auth code.',
    ),
    {
      name: 'app-through-the-barrel',
      comment:
        'Outside src/queues, the app layer reaches the queue system only through src/queues/index.ts (add what you need there).',
      severity: 'error',
      from: { path: APP, pathNot: '\\.spec\\.ts$' },
      to: { path: QUEUES, pathNot: '^src/queues/index\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'Modules import each other in a circle: one of them belongs a layer lower.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
