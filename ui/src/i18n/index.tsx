// Words in one catalogue: `useT()` gives the active language's words by key, with values put
// in (`t("home.switched", { name })`). The language comes from `ui.language`, or for `auto`
// the browser's preferred languages, English when none is known.
import { createContext, useContext } from "react";
import { en, type Key } from "./en";
import { de } from "./de";

export type { Key } from "./en";
export type Lang = "en" | "de";
const CATALOGUES: Record<Lang, Record<Key, string>> = { en, de };

/** The language to show: the setting's when it names one, else the browser's first known one. */
export function pickLanguage(setting: unknown, browser: readonly string[]): Lang {
  if (setting === "en" || setting === "de") return setting;
  for (const tag of browser) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "en" || base === "de") return base;
  }
  return "en";
}

/** Looks a word up and puts the values in. */
export type T = (key: Key, values?: Record<string, string | number>) => string;

function makeTranslator(lang: Lang): T {
  const words = CATALOGUES[lang];
  return (key, values) => words[key].replace(/\{(\w+)\}/g, (whole: string, name: string) => (values && name in values ? String(values[name]) : whole));
}

// One per language, made once: a view may depend on `t` in an effect without re-running it.
const TRANSLATORS: Record<Lang, T> = { en: makeTranslator("en"), de: makeTranslator("de") };

export function translator(lang: Lang): T {
  return TRANSLATORS[lang];
}

const Words = createContext<T>(translator("en"));
const Language = createContext<Lang>("en");

/** Gives the views below it the words of `lang`. */
export function WordsProvider({ lang, children }: { lang: Lang; children: React.ReactNode }) {
  return (
    <Language.Provider value={lang}>
      <Words.Provider value={translator(lang)}>{children}</Words.Provider>
    </Language.Provider>
  );
}

/** The active language's words. */
export function useT(): T {
  return useContext(Words);
}

/** The active language (for catalogues beyond the words, such as the settings'). */
export function useLang(): Lang {
  return useContext(Language);
}
