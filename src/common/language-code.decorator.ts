import { Matches } from 'class-validator';

/** A language code such as en, en-US or pt-BR. */
export function LanguageCode(): PropertyDecorator {
  return Matches(/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/, {
    message: 'language must be a language code such as en or pt-BR',
  });
}
