import { failureSignature } from '../../src/queues/failures/failure-signature';

describe('failure signatures', () => {
  it.each([
    ['twitter: 503 for post 123', 'twitter: 503 for post <n>'],
    ['twitter: 503 for post 456', 'twitter: 503 for post <n>'],
    ['twitter: 429 for post 456', 'twitter: 429 for post <n>'],
    ['HTTP 500 from https://api.x.com/2/tweets?id=9', 'HTTP 500 from <url>'],
    ['status 404 after 3 tries', 'status 404 after <n> tries'],
    ['mailbox "ada@example.com" full', 'mailbox <value> full'],
    ['550 rejected for bob@example.org', '<n> rejected for <email>'],
    ['content 6b0d904feeb5fa926e68513e not found', 'content <id> not found'],
    [
      'job 3f2b8c1e-1111-4a2b-9c3d-0123456789ab timed out after 30000 ms',
      'job <id> timed out after <n> ms',
    ],
    ["language 'xx' is not served", 'language <value> is not served'],
    ['  spaces\n and\tlines  ', 'spaces and lines'],
  ])('%s → %s', (reason, signature) => {
    expect(failureSignature(reason)).toBe(signature);
  });

  it('keeps words that merely look like hex', () => {
    expect(failureSignature('bad decade of facade')).toBe('bad decade of facade');
  });
});
