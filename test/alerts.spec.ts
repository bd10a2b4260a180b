import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parse } from 'yaml';
import { JOB_NAMES, QUEUE_NAMES, QueuesService } from '../src/queues';
import { dropTestData, eventually, startTestApp, TestApp } from './support/test-app';
import { ROOT, uniqueName } from './support/test-env';

/**
 * deploy/prometheus/alerts.yml: well-formed for Prometheus, and every metric, label and label
 * value its expressions name is one the app's GET /metrics really exposes.
 */

const RULES_FILE = path.join(ROOT, 'deploy/prometheus/alerts.yml');

// PromQL words that are not metric names.
const AGGREGATIONS = [
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
];
const FUNCTIONS = new Set([
  ...AGGREGATIONS,
  ...['abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min'],
  ...['day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'delta', 'deriv', 'exp'],
  ...['floor', 'histogram_avg', 'histogram_count', 'histogram_fraction', 'histogram_quantile'],
  ...['histogram_stddev', 'histogram_stdvar', 'histogram_sum', 'holt_winters', 'hour', 'idelta'],
  ...['double_exponential_smoothing', 'increase', 'irate', 'label_join', 'label_replace', 'ln'],
  ...['log10', 'log2', 'minute', 'month', 'predict_linear', 'rate', 'resets', 'round', 'scalar'],
  ...['sgn', 'sort', 'sort_desc', 'sort_by_label', 'sort_by_label_desc', 'sqrt', 'time'],
  ...['timestamp', 'vector', 'year', 'avg_over_time', 'min_over_time', 'max_over_time'],
  ...['sum_over_time', 'count_over_time', 'quantile_over_time', 'stddev_over_time'],
  ...['stdvar_over_time', 'last_over_time', 'present_over_time', 'mad_over_time', 'acos'],
  ...['acosh', 'asin', 'asinh', 'atan', 'atanh', 'cos', 'cosh', 'sin', 'sinh', 'tan', 'tanh'],
  ...['deg', 'pi', 'rad', 'start', 'end', 'info'],
]);
const KEYWORDS = new Set([
  ...AGGREGATIONS,
  ...['and', 'or', 'unless', 'atan2', 'bool', 'offset', 'inf', 'nan'],
]);
/** Modifiers whose `( ... )` lists label names. */
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
/** Labels Prometheus adds to every scraped sample. */
const TARGET_LABELS = ['instance', 'job'];

interface Token {
  kind: 'ident' | 'string' | 'number' | 'punct' | 'op';
  text: string;
}

interface Matcher {
  label: string;
  op: string;
  value: string;
}

interface Selector {
  metric?: string;
  matchers: Matcher[];
}

interface ReadExpr {
  selectors: Selector[];
  /** Labels named in by/without/on/ignoring/group_left/group_right lists. */
  grouping: string[];
  /** Labels in `by (...)` lists only: what an aggregated result keeps. */
  byLabels: string[];
  problems: string[];
}

function tokenize(expr: string): Token[] {
  const pattern =
    /(\s+|#[^\n]*)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)|(\.?\d[\w.]*)|([a-zA-Z_:][\w:]*)|([{}()[\],])|(=~|!~|!=|==|<=|>=|[-+*/%^=<>@])/y;
  const tokens: Token[] = [];
  while (pattern.lastIndex < expr.length) {
    const at = pattern.lastIndex;
    const match = pattern.exec(expr);
    if (!match) throw new Error(`cannot read ${JSON.stringify(expr.slice(at, at + 20))}`);
    if (match[1]) continue;
    const kind = match[2]
      ? 'string'
      : match[3]
        ? 'number'
        : match[4]
          ? 'ident'
          : match[5]
            ? 'punct'
            : 'op';
    tokens.push({ kind, text: match[0] });
  }
  return tokens;
}

function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** Reads one PromQL expression: its selectors, the labels it groups by, what is malformed. */
function readExpr(expr: string): ReadExpr {
  const result: ReadExpr = { selectors: [], grouping: [], byLabels: [], problems: [] };
  let tokens: Token[];
  try {
    tokens = tokenize(expr);
  } catch (error) {
    result.problems.push((error as Error).message);
    return result;
  }

  const stack: string[] = [];
  const closing: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const { kind, text } of tokens) {
    if (kind !== 'punct') continue;
    if ('([{'.includes(text)) stack.push(text);
    else if (text in closing && stack.pop() !== closing[text])
      result.problems.push(`unbalanced ${text}`);
  }
  if (stack.length > 0) result.problems.push(`unclosed ${stack.join('')}`);

  const matchersFrom = (start: number): { matchers: Matcher[]; end: number } => {
    const matchers: Matcher[] = [];
    let i = start + 1;
    while (i < tokens.length && tokens[i].text !== '}') {
      const [label, op, value] = tokens.slice(i, i + 3);
      if (label?.kind !== 'ident' || op?.kind !== 'op' || value?.kind !== 'string') {
        result.problems.push(`cannot read the label matcher at ${JSON.stringify(label?.text)}`);
        return { matchers, end: tokens.findIndex((t, j) => j > i && t.text === '}') };
      }
      matchers.push({ label: label.text, op: op.text, value: unquote(value.text) });
      i += 3;
      if (tokens[i]?.text === ',') i++;
    }
    return { matchers, end: i };
  };

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const next = tokens[i + 1];
    if (token.text === '[') {
      // Range or subquery: durations only.
      while (i < tokens.length && tokens[i].text !== ']') i++;
    } else if (token.text === '{') {
      const { matchers, end } = matchersFrom(i);
      const name = matchers.find((m) => m.label === '__name__' && m.op === '=');
      result.selectors.push({ metric: name?.value, matchers });
      i = end < 0 ? tokens.length : end;
    } else if (token.kind !== 'ident') {
      continue;
    } else if (GROUPING.has(token.text)) {
      if (next?.text !== '(') continue;
      for (i += 2; i < tokens.length && tokens[i].text !== ')'; i++) {
        if (tokens[i].kind !== 'ident') continue;
        result.grouping.push(tokens[i].text);
        if (token.text === 'by') result.byLabels.push(tokens[i].text);
      }
    } else if (KEYWORDS.has(token.text.toLowerCase())) {
      continue;
    } else if (next?.text === '(') {
      if (!FUNCTIONS.has(token.text)) result.problems.push(`unknown function ${token.text}()`);
    } else if (next?.text === '{') {
      const { matchers, end } = matchersFrom(i + 1);
      result.selectors.push({ metric: token.text, matchers });
      i = end < 0 ? tokens.length : end;
    } else {
      result.selectors.push({ metric: token.text, matchers: [] });
    }
  }
  return result;
}

interface Exposition {
  /** `# TYPE` lines: family name → counter, gauge, histogram, ... */
  types: Map<string, string>;
  /** Every sample line's label sets, by sample name (histograms: name_bucket, _sum, _count). */
  samples: Map<string, Record<string, string>[]>;
}

function readExposition(text: string): Exposition {
  const exposition: Exposition = { types: new Map(), samples: new Map() };
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) exposition.types.set(type[1], type[2]);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+/.exec(line);
    if (!sample) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g))
      labels[name] = value.replace(/\\(.)/g, '$1');
    const list = exposition.samples.get(sample[1]) ?? [];
    list.push(labels);
    exposition.samples.set(sample[1], list);
  }
  return exposition;
}

function isExposed(exposition: Exposition, name: string): boolean {
  if (exposition.samples.has(name) || exposition.types.has(name)) return true;
  const family = /^(.*)_(bucket|sum|count)$/.exec(name);
  const type = family && exposition.types.get(family[1]);
  return type === 'histogram' || (type === 'summary' && family?.[2] !== 'bucket');
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const RULE_KEYS = ['alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];
const GROUP_KEYS = ['name', 'rules', 'interval', 'limit', 'query_offset', 'labels'];

/** Everything wrong with a parsed rules file, checked against one scrape of GET /metrics. */
function problemsOf(file: unknown, exposition: Exposition): string[] {
  const problems: string[] = [];
  if (!isRecord(file) || !Array.isArray(file.groups) || file.groups.length === 0)
    return ['the file has no top-level `groups` list'];
  const alerts = new Set<string>();
  for (const [g, group] of file.groups.entries()) {
    if (!isRecord(group) || typeof group.name !== 'string' || !Array.isArray(group.rules)) {
      problems.push(`group ${g}: needs a name and a rules list`);
      continue;
    }
    const groupName = group.name;
    for (const key of Object.keys(group))
      if (!GROUP_KEYS.includes(key)) problems.push(`group ${groupName}: unknown key ${key}`);
    for (const [r, rule] of group.rules.entries()) {
      const where = isRecord(rule) && typeof rule.alert === 'string' ? rule.alert : `rule ${r}`;
      const say = (what: string) => problems.push(`${groupName}/${where}: ${what}`);
      if (!isRecord(rule)) {
        say('not a mapping');
        continue;
      }
      for (const key of Object.keys(rule)) if (!RULE_KEYS.includes(key)) say(`unknown key ${key}`);
      if (typeof rule.alert !== 'string' || !/^[A-Za-z_]\w*$/.test(rule.alert))
        say('alert is not a name');
      else if (alerts.has(rule.alert)) say('alert name used twice');
      else alerts.add(rule.alert);
      if (typeof rule.for !== 'string' || !/^\d+[smh]$/.test(rule.for))
        say(`for ${JSON.stringify(rule.for)} is not a duration like 5m`);
      const labels = isRecord(rule.labels) ? rule.labels : {};
      if (!['info', 'warning', 'critical'].includes(labels.severity as string))
        say('labels.severity is not info, warning or critical');
      const annotations = isRecord(rule.annotations) ? rule.annotations : {};
      for (const key of ['summary', 'description'])
        if (typeof annotations[key] !== 'string' || !annotations[key].trim())
          say(`annotations.${key} missing`);
      if (typeof rule.expr !== 'string' || !rule.expr.trim()) {
        say('expr missing');
        continue;
      }

      const expr = readExpr(rule.expr);
      for (const problem of expr.problems) say(problem);
      if (expr.selectors.length === 0) say('expr names no metric');
      const labelNames = new Set(TARGET_LABELS);
      for (const { metric, matchers } of expr.selectors) {
        if (!metric) {
          say('a selector has no metric name');
          continue;
        }
        if (!isExposed(exposition, metric)) {
          say(`${metric} is not exposed by GET /metrics`);
          continue;
        }
        const samples = exposition.samples.get(metric) ?? [];
        if (samples.length === 0) {
          say(`${metric} has no samples to check its labels against`);
          continue;
        }
        const known = new Set(samples.flatMap((s) => Object.keys(s)));
        for (const name of known) labelNames.add(name);
        for (const { label, op, value } of matchers) {
          if (label === '__name__' || TARGET_LABELS.includes(label)) continue;
          if (!known.has(label)) say(`${metric} has no label ${label}`);
          else if (op === '=' && !samples.some((s) => s[label] === value))
            say(`${metric} has no sample with ${label}="${value}"`);
          else if (op === '=~' && !samples.some((s) => new RegExp(`^(?:${value})$`).test(s[label])))
            say(`${metric} has no sample with ${label} matching "${value}"`);
        }
      }
      for (const name of expr.grouping)
        if (!labelNames.has(name)) say(`groups by ${name}, a label none of its metrics has`);
      // What the alert's labels are: the `by` labels when it aggregates, else the series' own.
      const resultLabels = expr.byLabels.length > 0 ? new Set(expr.byLabels) : labelNames;
      for (const text of Object.values(annotations))
        for (const [, name] of String(text).matchAll(/\$labels\.([a-zA-Z_]\w*)/g))
          if (!resultLabels.has(name))
            say(`annotations use $labels.${name}, which it does not have`);
    }
  }
  return problems;
}

const expressionOf = (file: unknown, alert: string): string => {
  const groups = (file as { groups: { rules: { alert: string; expr: string }[] }[] }).groups;
  const rule = groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
  if (!rule) throw new Error(`no alert ${alert}`);
  return rule.expr;
};

describe('Prometheus alert rules (deploy/prometheus/alerts.yml)', () => {
  let app: TestApp;
  let exposition: Exposition;
  const file: unknown = parse(readFileSync(RULES_FILE, 'utf8'));

  beforeAll(async () => {
    // The thresholds in the file mirror the defaults, so run on the defaults.
    app = await startTestApp(
      uniqueName('alerts'),
      { QUEUE_ALERT_BACKLOG: undefined, QUEUE_ALERT_OLDEST_WAITING_MS: undefined },
      { listen: true },
    );
    // One job completes and one fails, so click_jobs_total has both outcomes to match.
    const queues = app.get(QueuesService);
    const done = await queues.addContentGenerationJob({
      text: 'Alerts wake someone up only when the queues need it.',
      user: { _id: 'alerts-user' },
      platforms: ['twitter'],
    });
    const raw = app.get<Queue>(getQueueToken(QUEUE_NAMES.EMAIL_SENDING));
    const bad = await raw.add(JOB_NAMES.SEND_EMAIL, { to: 'x@example.com', template: 'nope' });
    await eventually(
      async () =>
        (await queues.getJobStatus(QUEUE_NAMES.CONTENT_GENERATION, done.jobId)).state ===
          'completed' &&
        (await queues.getJobStatus(QUEUE_NAMES.EMAIL_SENDING, bad.id!)).state === 'failed',
      20_000,
      'one job completed and one failed',
    );
    const port = (app.app.getHttpServer().address() as AddressInfo).port;
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    exposition = readExposition(await response.text());
  });

  afterAll(async () => {
    if (!app) return;
    await dropTestData(app);
    await app.close();
  });

  it('is a loadable rules file whose expressions only name what GET /metrics exposes', () => {
    expect(problemsOf(file, exposition)).toEqual([]);
    const alerts = (file as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) =>
      g.rules.map((r) => r.alert),
    );
    expect(alerts).toEqual([
      'ClickQueueBacklog',
      'ClickQueueOldestWaiting',
      'ClickQueueFailureRatio',
      'ClickQueueNoWorker',
      'ClickRecordBacklogGrowing',
      'ClickProviderBreakerOpen',
    ]);
  });

  it('uses the thresholds of QUEUE_ALERT_BACKLOG and QUEUE_ALERT_OLDEST_WAITING_MS', () => {
    const { backlog, oldestWaitingMs } = app.config.api.alerts;
    const threshold = (alert: string) =>
      Number(/>=\s*([\d.]+)\s*$/.exec(expressionOf(file, alert))?.[1]);
    expect(threshold('ClickQueueBacklog')).toBe(backlog);
    expect(threshold('ClickQueueOldestWaiting')).toBe(oldestWaitingMs / 1000);
  });

  it('finds misspelt metrics, labels and values, unknown functions, bad durations and parentheses', () => {
    const broken = (edit: (text: string) => string) =>
      problemsOf(parse(edit(readFileSync(RULES_FILE, 'utf8'))), exposition).join('\n');
    expect(
      broken((t) => t.replace('click_queue_oldest_waiting_seconds', 'click_queue_oldest_wait')),
    ).toMatch(/ClickQueueOldestWaiting: click_queue_oldest_wait is not exposed/);
    expect(broken((t) => t.replace('rate(click_jobs_total', 'rate(click_job_total'))).toMatch(
      /ClickQueueFailureRatio: click_job_total is not exposed/,
    );
    expect(broken((t) => t.replace('{state="waiting"}', '{status="waiting"}'))).toMatch(
      /click_queue_jobs has no label status/,
    );
    expect(broken((t) => t.replace('{outcome="failed"}', '{outcome="fail"}'))).toMatch(
      /click_jobs_total has no sample with outcome="fail"/,
    );
    expect(
      broken((t) => t.replace('by (queue) (click_queue_oldest', 'by (queu) (click_queue_oldest')),
    ).toMatch(/groups by queu/);
    expect(broken((t) => t.replace('(rate(', '(rat('))).toMatch(/unknown function rat\(\)/);
    expect(broken((t) => t.replace('{{ $labels.queue }}', '{{ $labels.queu }}'))).toMatch(
      /\$labels\.queu,/,
    );
    expect(broken((t) => t.replace('for: 5m', 'for: 5 minutes'))).toMatch(/is not a duration/);
    expect(broken((t) => t.replace('(click_queue_workers)', '(click_queue_workers'))).toMatch(
      /ClickQueueNoWorker: unclosed/,
    );
    expect(broken((t) => t.replace('severity: warning', 'severity: loud'))).toMatch(
      /labels\.severity/,
    );
    expect(problemsOf({ rules: [] }, exposition)).toEqual([
      'the file has no top-level `groups` list',
    ]);
  });
});
