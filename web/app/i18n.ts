// Every word the user reads comes from web/locales through `t`; nothing else writes user text.
import { LOCALES, type Locale, type MessageKey } from '../locales';

export type Params = Readonly<Record<string, string | number>>;

/** Language tags that mean one of our locales (`in` is the old code for Indonesian). */
const ALIASES: Readonly<Record<string, Locale>> = { en: 'en', vi: 'vi', id: 'id', in: 'id', ja: 'ja' };

export function isLocale(value: string): value is Locale {
  return Object.hasOwn(LOCALES, value);
}

/** The first of the user's languages we speak (`?lang=` wins), else English. */
export function pickLocale(requested: string | null | undefined, preferred: readonly string[]): Locale {
  for (const tag of [requested ?? '', ...preferred]) {
    const primary = tag.toLowerCase().split(/[-_]/)[0] ?? '';
    const locale = ALIASES[primary];
    if (locale) return locale;
  }
  return 'en';
}

/** `{name}` placeholders filled from params; a missing one stays visible rather than vanishing. */
export function format(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export interface Translator {
  readonly locale: Locale;
  t(key: MessageKey, params?: Params): string;
  /** Has a message for this key (reason codes arrive from the server as data). */
  has(key: string): key is MessageKey;
  number(value: number, digits?: number): string;
  /** Bytes in the server's unit: 1 MB = 1,048,576 bytes, the same MB as the provider limits. */
  bytes(value: number): string;
}

export function translator(locale: Locale, overrides: Partial<Record<MessageKey, string>> = {}): Translator {
  const messages = { ...LOCALES[locale], ...overrides };
  const number = (value: number, digits = 0): string =>
    new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(value);
  return {
    locale,
    t: (key, params) => format(messages[key], params),
    has: (key): key is MessageKey => Object.hasOwn(messages, key),
    number,
    bytes: (value) => (value >= 1024 * 1024 ? `${number(value / 1024 / 1024, 1)} MB` : `${number(Math.ceil(value / 1024))} KB`),
  };
}
