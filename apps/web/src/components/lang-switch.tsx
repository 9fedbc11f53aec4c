import { Button } from '@mantine/core';
import { IconLanguage } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { currentLang, setLang } from '../i18n/index.ts';

/** Switches between Japanese and English; the label names the language it switches to. */
export function LangSwitch() {
  const { t } = useTranslation();
  return (
    <Button
      variant="subtle"
      color="gray"
      size="compact-sm"
      leftSection={<IconLanguage size={16} />}
      onClick={() => void setLang(currentLang() === 'ja' ? 'en' : 'ja')}
      aria-label={t('lang.label')}
      data-testid="lang-switch"
    >
      {t('lang.switchTo')}
    </Button>
  );
}
