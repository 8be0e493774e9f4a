// The settings' words. The daemon's schema names each setting by its dotted key and explains it
// in English (its doc comment); these catalogues give each a plain-language label, short labels
// for its choices, and for German the explanations too. Every key of the schema must be here:
// a setting without words is marked `data-untranslated` and the e2e test fails on it.
import { settingsEn } from "./settings.en";
import { settingsDe } from "./settings.de";
import type { Lang } from "./index";

/** What a person reads about one setting. */
export interface SettingWords {
  /** The label, in a few plain words ("Silence that ends a request"). */
  label: string;
  /** The help line; English leaves it to the daemon's description. */
  help?: string;
  /** What 0 means, where the schema says it is special ("keep forever"). */
  zero?: string;
  /** Each choice's short label and, in German, what it means. */
  choices?: Record<string, { label: string; help?: string }>;
}

/** The keys of every setting the schema has today. */
export type SettingKey = keyof typeof settingsEn;

const CATALOGUES: Record<Lang, Record<SettingKey, SettingWords>> = { en: settingsEn, de: settingsDe };

/** The words for `key` in `lang`, or `undefined` for a setting the catalogue does not know. */
export function settingWords(lang: Lang, key: string): SettingWords | undefined {
  return (CATALOGUES[lang] as Record<string, SettingWords>)[key];
}
