import { Badge, createTheme } from '@mantine/core';

/** Japanese-capable font stack: each platform's Japanese UI font, then Noto CJK on Linux. */
export const FONT_FAMILY =
  '-apple-system, BlinkMacSystemFont, "Segoe UI", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic UI", Meiryo, "Noto Sans JP", "Noto Sans CJK JP", sans-serif';

/** The console's Mantine theme: calm blue, readable sizes for non-IT staff. */
export const theme = createTheme({
  primaryColor: 'blue',
  fontFamily: FONT_FAMILY,
  headings: { fontFamily: FONT_FAMILY, fontWeight: '700' },
  defaultRadius: 'md',
  cursorType: 'pointer',
  components: {
    // Upper-case badges read as shouting in English and do nothing for Japanese.
    Badge: Badge.extend({ styles: { root: { textTransform: 'none' } } }),
  },
});
