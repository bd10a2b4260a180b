import { keyPatterns, redisKeys } from './redis-keys';

describe('redisKeys', () => {
  it('keeps the one-node layout every earlier version wrote (an upgrade finds its keys)', () => {
    const keys = redisKeys('click', false);
    expect(keys.base).toBe('click');
    expect(keys.bullPrefix('video-processing')).toBe('click');
    expect(`${keys.besideQueue('fair', 'email-sending')}:5`).toBe('click:fair:email-sending:5');
    expect(keyPatterns('click', false)).toEqual(['click:*']);
  });

  it('tags keys on a cluster: each queue in its own slot, the product in one', () => {
    const keys = redisKeys('click', true);
    expect(keys.base).toBe('{click}');
    expect(keys.bullPrefix('video-processing')).toBe('click:{video-processing}');
    expect(`${keys.besideQueue('fair', 'email-sending')}:5`).toBe('click:{email-sending}:fair:5');
    expect(keyPatterns('click', true)).toEqual(['{click}:*', 'click:*']);
  });
});
