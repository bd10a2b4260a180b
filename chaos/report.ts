/** The checks of a run and the table they print as. */
export interface Check {
  scenario: string;
  check: string;
  expected: string;
  got: string;
  ok: boolean;
}

export class Report {
  readonly checks: Check[] = [];
  readonly notes: string[] = [];

  add(
    scenario: string,
    check: string,
    expected: string | number,
    got: string | number,
    ok: boolean,
  ): void {
    this.checks.push({ scenario, check, expected: String(expected), got: String(got), ok });
  }

  /** A count that must be exactly `expected`. */
  equal(scenario: string, check: string, expected: number, got: number): void {
    this.add(scenario, check, expected, got, expected === got);
  }

  atMost(scenario: string, check: string, limit: number, got: number, label = `≤ ${limit}`): void {
    this.add(scenario, check, label, got, got <= limit);
  }

  note(line: string): void {
    this.notes.push(line);
  }

  get failed(): number {
    return this.checks.filter((c) => !c.ok).length;
  }

  print(wallMs: number): string {
    const head: Check = {
      scenario: 'scenario',
      check: 'check',
      expected: 'expected',
      got: 'got',
      ok: true,
    };
    const rows = [head, ...this.checks];
    const width = (key: 'scenario' | 'check' | 'expected' | 'got') =>
      Math.max(...rows.map((r) => r[key].length));
    const w = {
      scenario: width('scenario'),
      check: width('check'),
      expected: width('expected'),
      got: width('got'),
    };
    const line = (r: Check, ok: string) =>
      `| ${r.scenario.padEnd(w.scenario)} | ${r.check.padEnd(w.check)} | ${r.expected.padStart(w.expected)} | ${r.got.padStart(w.got)} | ${ok.padEnd(4)} |`;
    const out = [
      line(head, 'ok'),
      `|${'-'.repeat(w.scenario + 2)}|${'-'.repeat(w.check + 2)}|${'-'.repeat(w.expected + 2)}|${'-'.repeat(w.got + 2)}|------|`,
      ...this.checks.map((c) => line(c, c.ok ? 'ok' : 'FAIL')),
    ];
    if (this.notes.length) out.push('', 'notes:', ...this.notes.map((n) => `  ${n}`));
    out.push('', `wall time: ${(wallMs / 1000).toFixed(1)} s`);
    out.push(`chaos: ${this.checks.length} checks, ${this.failed} failed`);
    return out.join('\n');
  }
}
