// Every locale of the capture page says everything English says, with the same placeholders, and
// has a message for every reason code the API can return.
import { describe, expect, it } from 'vitest';
import { CAPTURE_REASONS, MEDIA_REASONS, OPERATIONAL_REASONS, VERDICT_REASONS } from '../../src/core/reasons';
import { pickLocale, translator } from '../../web/app/i18n';
import { LOCALES } from '../../web/locales';

const en = LOCALES.en;
const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '').sort();

describe.each(Object.entries(LOCALES))('locale %s', (name, messages) => {
  it('has exactly the English keys', () => {
    expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
  });

  it('uses the same placeholders as English in every message', () => {
    const differing = Object.entries(en).filter(
      ([key, text]) => placeholders(messages[key as keyof typeof en]).join() !== placeholders(text).join(),
    );
    expect(differing.map(([key]) => key)).toEqual([]);
  });

  it('has no empty message and no untranslated English sentence (outside the shared words)', () => {
    const same = Object.entries(messages).filter(([key, text]) => name !== 'en' && text === en[key as keyof typeof en]);
    expect(Object.values(messages).filter((text) => text.trim() === '')).toEqual([]);
    // Words that are the same in these languages.
    expect(same.map(([key]) => key).filter((key) => !['part.video', 'camera.title'].includes(key))).toEqual([]);
  });

  it('has a message for every reason code of the API, DUPLICATE_MEDIA, and the attempt limit', () => {
    const codes = [...MEDIA_REASONS, ...CAPTURE_REASONS, ...VERDICT_REASONS, ...OPERATIONAL_REASONS, 'DUPLICATE_MEDIA'];
    expect(codes.filter((code) => !(`reason.${code}` in messages))).toEqual([]);
    expect(messages['error.attemptLimit']).not.toBe('');
  });
});

describe('choosing the locale', () => {
  it.for<[string | null, string[], string]>([
    [null, ['vi-VN', 'en-US'], 'vi'],
    [null, ['in-ID'], 'id'],
    [null, ['ja'], 'ja'],
    [null, ['fr-FR', 'id-ID'], 'id'],
    [null, ['fr-FR'], 'en'],
    ['ja', ['vi-VN'], 'ja'],
    ['xx', ['id'], 'id'],
  ])('?lang=%s with navigator.languages %j → %s', ([requested, preferred, expected]) => {
    expect(pickLocale(requested, preferred)).toBe(expected);
  });

  it('formats sizes in the server’s MB (1,048,576 bytes) with the locale’s digits', () => {
    expect(translator('en').bytes(10 * 1024 * 1024)).toBe('10 MB');
    expect(translator('vi').bytes(10.5 * 1024 * 1024)).toBe('10,5 MB');
    expect(translator('en').bytes(300 * 1024)).toBe('300 KB');
  });

  it('lets the operator replace a message', () => {
    expect(translator('en', { 'app.title': 'Verify with Acme Bank' }).t('app.title')).toBe('Verify with Acme Bank');
  });
});
