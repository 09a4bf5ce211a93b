// The locales the capture page speaks. Add one: a file beside this one with every key of en.ts,
// and a line here.
import { en, type MessageKey, type Messages } from './en';
import { id } from './id';
import { ja } from './ja';
import { vi } from './vi';

export const LOCALES = { en, vi, id, ja } as const satisfies Record<string, Messages>;
export type Locale = keyof typeof LOCALES;
export type { MessageKey, Messages };
