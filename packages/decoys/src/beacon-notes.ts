/**
 * Which viewers actually fetch a beacon, per kind, for the console to show honestly. A beacon hit
 * proves the file was opened somewhere that could reach the platform; no hit proves nothing.
 */
export const BEACON_VIEWER_NOTES: Record<'docx' | 'xlsx' | 'pdf' | 'html', { ja: string; en: string }> = {
  html: {
    ja: 'ブラウザで開くと画像とCSS背景として自動で読み込まれます（Chrome・Edge・Firefox・Safari）。メールソフトやプレビューで外部画像がブロックされている場合、またはネットワークに出られない端末では通知されません。',
    en: 'Opened in a browser (Chrome, Edge, Firefox, Safari) the image and CSS background load automatically. Nothing is reported when remote images are blocked (mail clients, previewers) or the machine cannot reach the network.',
  },
  docx: {
    ja: 'Microsoft Word（デスクトップ版）は編集を有効にした後、リンクされた画像を読み込みます。インターネットから取得したファイルは「保護ビュー」で開かれ、その間は読み込みません。外部コンテンツをブロックするポリシーがあると届きません。LibreOfficeは既定で外部画像を読み込まず、Word Online・プレビュー表示も読み込みません。',
    en: 'Desktop Microsoft Word loads the linked picture once editing is enabled. Files from the internet open in Protected View, which fetches nothing; policies that block external content stop it. LibreOffice does not load remote images by default; Word Online and previewers do not fetch either.',
  },
  xlsx: {
    ja: 'Excel（デスクトップ版）はリンクされた画像を表示する際に読み込むことがありますが、保護ビュー中や外部コンテンツのブロック設定では読み込みません。LibreOffice Calc・Googleスプレッドシート・プレビューは読み込みません。確実な検知手段ではなく補助とお考えください。',
    en: 'Desktop Excel may load the linked picture when it draws the sheet, but not in Protected View or when external content is blocked. LibreOffice Calc, Google Sheets and previewers do not fetch it. Treat it as a bonus, not a reliable signal.',
  },
  pdf: {
    ja: 'Adobe Acrobat / Readerは開いた時に「このサイトに接続しようとしています」と確認を表示し、許可された場合のみ通知されます。ブラウザ内蔵のPDF表示（Chrome・Edge・Firefox）やプレビューは自動では接続しません。',
    en: 'Adobe Acrobat / Reader asks "this document is trying to connect to…" on open and reports only if the user allows it. Browser PDF viewers (Chrome, Edge, Firefox) and previewers never connect by themselves.',
  },
};
