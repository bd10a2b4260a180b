import { applyDecorators } from '@nestjs/common';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn } from 'class-validator';

/** A non-empty list of distinct platforms, each one of `allowed`. */
export function PlatformList(allowed: readonly string[]): PropertyDecorator {
  return applyDecorators(
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(allowed.length),
    ArrayUnique(),
    IsIn(allowed, { each: true, message: `platforms must each be one of ${allowed.join(', ')}` }),
  );
}
