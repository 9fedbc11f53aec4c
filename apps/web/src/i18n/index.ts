import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import ja from './ja.json';

/** Languages the console speaks; Japanese is the default. */
export type Lang = 'ja' | 'en';

const STORAGE_KEY = 'mamori.lang';

/** The language chosen earlier in this browser, or Japanese. */
export function storedLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ja';
  } catch {
    return 'ja';
  }
}

/** Switches the console language and remembers the choice in this browser. */
export async function setLang(lang: Lang): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Storage may be unavailable; the switch still applies to this page.
  }
  await i18n.changeLanguage(lang);
}

/** The language currently shown. */
export function currentLang(): Lang {
  return i18n.language === 'en' ? 'en' : 'ja';
}

i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = lng === 'en' ? 'en' : 'ja';
});

void i18n.use(initReactI18next).init({
  resources: { ja: { translation: ja }, en: { translation: en } },
  lng: storedLang(),
  fallbackLng: 'ja',
  interpolation: { escapeValue: false }, // React escapes already
  returnNull: false,
});

export default i18n;
