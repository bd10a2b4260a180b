import { registerDecorator, ValidationArguments } from 'class-validator';
import { PLATFORM_RULES, PostingPlatform } from '../../common/platforms';

/** The post's text must fit every chosen platform's limit (Twitter: 280 characters). */
export function FitsPlatforms(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'fitsPlatforms',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate(content: { text?: unknown } | undefined, args: ValidationArguments) {
          const platforms = platformsOf(args);
          const length = typeof content?.text === 'string' ? [...content.text].length : 0;
          return platforms.every(
            (p) => !PLATFORM_RULES[p] || length <= PLATFORM_RULES[p].maxLength,
          );
        },
        defaultMessage(args: ValidationArguments) {
          const platforms = platformsOf(args);
          const limits = platforms
            .filter((p) => PLATFORM_RULES[p])
            .map((p) => `${p} ${PLATFORM_RULES[p].maxLength}`);
          return `content.text is longer than a chosen platform allows (${limits.join(', ')} characters)`;
        },
      },
    });
}

/** The chosen platforms, when they are a list; anything else is the platforms rule's to refuse. */
function platformsOf(args: ValidationArguments): PostingPlatform[] {
  const platforms = (args.object as { platforms?: unknown }).platforms;
  return Array.isArray(platforms)
    ? platforms.filter((p): p is PostingPlatform => typeof p === 'string' && p in PLATFORM_RULES)
    : [];
}
