import { ClassConstructor, plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';
import { JobPayloadError } from './payload-error';

type RuleLookup = (target: unknown, schema: unknown, ...options: unknown[]) => unknown[];
type RuleGrouping = (rules: unknown[]) => Record<string, unknown[]>;

/**
 * class-validator looks a class's rules up on every call: a walk over every class it knows (for
 * inherited rules), filters, and a grouping by property — a quarter of a payload's validation,
 * and every job is validated at add and again in its worker. The rules change only while classes
 * are being declared, so the lookups are memoised per class and options, forgotten whenever a
 * rule or schema is added. The memo is the library's own storage (one per process), so every
 * caller (Nest's ValidationPipe too) gets the same answers, sooner.
 */
function memoiseRuleLookups(): void {
  const storage = getMetadataStorage() as unknown as Record<string, unknown> & {
    getTargetValidationMetadatas: RuleLookup;
    groupByPropertyName: RuleGrouping;
  };
  if (storage.__clickMemo) return;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  let rules = new Map<unknown, Map<string, unknown[]>>();
  let groups = new WeakMap<unknown[], Record<string, unknown[]>>();
  for (const name of ['addValidationMetadata', 'addConstraintMetadata', 'addValidationSchema']) {
    const add = storage[name];
    if (typeof add !== 'function') continue;
    storage[name] = (...args: unknown[]) => {
      rules = new Map<unknown, Map<string, unknown[]>>();
      groups = new WeakMap<unknown[], Record<string, unknown[]>>();
      return (add as (...a: unknown[]) => unknown).apply(storage, args);
    };
  }
  storage.getTargetValidationMetadatas = (target, schema, ...options) => {
    const key = JSON.stringify([typeof schema === 'string' ? schema : null, ...options]);
    let byOptions = rules.get(target);
    if (!byOptions) rules.set(target, (byOptions = new Map<string, unknown[]>()));
    let found = byOptions.get(key);
    if (!found) byOptions.set(key, (found = lookup(target, schema, ...options)));
    return found;
  };
  storage.groupByPropertyName = (list) => {
    let grouped = groups.get(list);
    if (!grouped) groups.set(list, (grouped = group(list)));
    return grouped;
  };
  storage.__clickMemo = true;
}
memoiseRuleLookups();

function problemsOf(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      // class-validator starts messages with the bare property name; show the full path instead.
      message.startsWith(`${error.property} `)
        ? `${field}${message.slice(error.property.length)}`
        : `${field}: ${message}`,
    );
    return [...own, ...problemsOf(error.children ?? [], field)];
  });
}

/**
 * Validates `plain` against a class-validator DTO and returns the plain, whitelisted value.
 * Unknown fields are errors, so a typo never silently drops data.
 */
export function validateDto<T extends object>(cls: ClassConstructor<T>, plain: unknown): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new JobPayloadError(['payload must be an object']);
  }
  const instance = plainToInstance(cls, plain);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw new JobPayloadError(problemsOf(errors));
  return JSON.parse(JSON.stringify(instance)) as T;
}
