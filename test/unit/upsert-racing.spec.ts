import { upsertRacing } from '../../src/infra/mongo/duplicate-key';

describe('upsertRacing', () => {
  it('applies an upsert that lost the race to create its document on the second try', async () => {
    let calls = 0;
    const upsert = () =>
      ++calls === 1
        ? Promise.reject(Object.assign(new Error('E11000 duplicate key'), { code: 11000 }))
        : Promise.resolve('applied');
    expect(await upsertRacing(upsert)).toBe('applied');
    expect(calls).toBe(2);
  });

  it('passes any other error on, and does not try a third time', async () => {
    await expect(
      upsertRacing(() => Promise.reject(Object.assign(new Error('down'), { code: 6 }))),
    ).rejects.toThrow('down');
    let calls = 0;
    const duplicate = () => {
      calls++;
      return Promise.reject(Object.assign(new Error('E11000'), { code: 11000 }));
    };
    await expect(upsertRacing(duplicate)).rejects.toThrow('E11000');
    expect(calls).toBe(2);
  });
});
