import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { JobPayloadError } from './payload-error';

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
