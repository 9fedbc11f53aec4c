/**
 * Japanese name and place data for synthetic patients: common surnames and given names with their
 * katakana readings (facts about frequent names, written out by hand), cities with area codes, and
 * a katakana → Hepburn romaji converter for DICOM's alphabetic name component.
 * None of this describes a real person: names, dates, IDs and addresses are combined at random.
 */

const parse = (s: string): [string, string][] =>
  s
    .trim()
    .split(/\s+/)
    .map((pair) => pair.split(':') as [string, string]);

/** Roughly in order of frequency (the first ones are picked more often). */
export const SURNAMES = parse(`
佐藤:サトウ 鈴木:スズキ 高橋:タカハシ 田中:タナカ 伊藤:イトウ 渡辺:ワタナベ 山本:ヤマモト 中村:ナカムラ
小林:コバヤシ 加藤:カトウ 吉田:ヨシダ 山田:ヤマダ 佐々木:ササキ 山口:ヤマグチ 松本:マツモト 井上:イノウエ
木村:キムラ 林:ハヤシ 斎藤:サイトウ 清水:シミズ 山崎:ヤマザキ 森:モリ 池田:イケダ 橋本:ハシモト
阿部:アベ 石川:イシカワ 山下:ヤマシタ 中島:ナカジマ 石井:イシイ 小川:オガワ 前田:マエダ 岡田:オカダ
長谷川:ハセガワ 藤田:フジタ 後藤:ゴトウ 近藤:コンドウ 村上:ムラカミ 遠藤:エンドウ 青木:アオキ 坂本:サカモト
斉藤:サイトウ 福田:フクダ 太田:オオタ 西村:ニシムラ 藤井:フジイ 金子:カネコ 岡本:オカモト 藤原:フジワラ
中野:ナカノ 三浦:ミウラ 原田:ハラダ 中川:ナカガワ 松田:マツダ 竹内:タケウチ 小野:オノ 田村:タムラ
中山:ナカヤマ 和田:ワダ 石田:イシダ 森田:モリタ 上田:ウエダ 原:ハラ 内田:ウチダ 柴田:シバタ
酒井:サカイ 宮崎:ミヤザキ 横山:ヨコヤマ 高木:タカギ 安藤:アンドウ 宮本:ミヤモト 大野:オオノ 小島:コジマ
谷口:タニグチ 今井:イマイ 工藤:クドウ 高田:タカダ 増田:マスダ 丸山:マルヤマ 杉山:スギヤマ 村田:ムラタ
大塚:オオツカ 小山:コヤマ 藤本:フジモト 平野:ヒラノ 新井:アライ 河野:コウノ 上野:ウエノ 武田:タケダ
野口:ノグチ 松井:マツイ 千葉:チバ 岩崎:イワサキ 菅原:スガワラ 木下:キノシタ 久保:クボ 佐野:サノ
野村:ノムラ 松尾:マツオ 市川:イチカワ 菊地:キクチ 杉本:スギモト 古川:フルカワ 大西:オオニシ 島田:シマダ
水野:ミズノ 桜井:サクライ 高野:タカノ 渡部:ワタナベ 吉川:ヨシカワ 山内:ヤマウチ 西田:ニシダ 飯田:イイダ
菊池:キクチ 西川:ニシカワ 小松:コマツ 北村:キタムラ 安田:ヤスダ 五十嵐:イガラシ 川口:カワグチ 平田:ヒラタ
関:セキ 中田:ナカタ 久保田:クボタ 服部:ハットリ 東:ヒガシ 岩田:イワタ 土屋:ツチヤ 川崎:カワサキ
福島:フクシマ 本田:ホンダ 辻:ツジ 樋口:ヒグチ 秋山:アキヤマ 田口:タグチ 永井:ナガイ 山中:ヤマナカ
中西:ナカニシ 吉村:ヨシムラ 川上:カワカミ 石原:イシハラ 大橋:オオハシ 松岡:マツオカ 馬場:ババ 浜田:ハマダ
森本:モリモト 星野:ホシノ 矢野:ヤノ 浅野:アサノ 大久保:オオクボ 松下:マツシタ 荒木:アラキ 小池:コイケ
`);

export const MALE_GIVEN = parse(`
翔太:ショウタ 大輔:ダイスケ 健太:ケンタ 拓也:タクヤ 直樹:ナオキ 達也:タツヤ 誠:マコト 浩:ヒロシ
隆:タカシ 博:ヒロシ 茂:シゲル 清:キヨシ 実:ミノル 勇:イサム 進:ススム 明:アキラ
豊:ユタカ 正:タダシ 修:オサム 稔:ミノル 勝:マサル 和夫:カズオ 正男:マサオ 一郎:イチロウ
健一:ケンイチ 誠一:セイイチ 浩二:コウジ 雄一:ユウイチ 孝:タカシ 秀樹:ヒデキ 哲也:テツヤ 和也:カズヤ
剛:ツヨシ 聡:サトシ 学:マナブ 亮:リョウ 陽介:ヨウスケ 健二:ケンジ 伸也:シンヤ 大介:ダイスケ
裕太:ユウタ 翔:ショウ 蓮:レン 大翔:ヒロト 悠真:ユウマ 陽翔:ハルト 湊:ミナト 樹:イツキ
颯太:ソウタ 悠人:ユウト 大和:ヤマト 優斗:ユウト 健:ケン 光:ヒカル 武:タケシ 昭:アキラ
弘:ヒロシ 保:タモツ 昇:ノボル 三郎:サブロウ 次郎:ジロウ 太郎:タロウ 義男:ヨシオ 幸男:ユキオ
俊夫:トシオ 正一:ショウイチ 正雄:マサオ 英樹:ヒデキ 弘之:ヒロユキ 康弘:ヤスヒロ 智也:トモヤ 俊介:シュンスケ
雅人:マサト 拓海:タクミ 海斗:カイト 隼人:ハヤト 涼太:リョウタ 和彦:カズヒコ 信夫:ノブオ 文雄:フミオ
克己:カツミ 正樹:マサキ 徹:トオル 淳:ジュン 賢治:ケンジ 敏明:トシアキ 秀夫:ヒデオ 利夫:トシオ
功:イサオ 晃:アキラ 昌宏:マサヒロ 幸一:コウイチ 真一:シンイチ 貴之:タカユキ 亮太:リョウタ 圭:ケイ
敦:アツシ 靖:ヤスシ 恵一:ケイイチ 匠:タクミ
`);

export const FEMALE_GIVEN = parse(`
花子:ハナコ 幸子:サチコ 節子:セツコ 和子:カズコ 洋子:ヨウコ 恵子:ケイコ 京子:キョウコ 美智子:ミチコ
久美子:クミコ 由美子:ユミコ 裕子:ユウコ 直子:ナオコ 明美:アケミ 真由美:マユミ 智子:トモコ 陽子:ヨウコ
順子:ジュンコ 典子:ノリコ 悦子:エツコ 文子:フミコ 千代子:チヨコ 静子:シズコ 清子:キヨコ 光子:ミツコ
信子:ノブコ 房子:フサコ 春子:ハルコ 照子:テルコ 弘子:ヒロコ 美代子:ミヨコ 敏子:トシコ 富子:トミコ
八重子:ヤエコ トメ:トメ ハル:ハル キヨ:キヨ 恵美:エミ 由美:ユミ 香織:カオリ 美穂:ミホ
愛:アイ 舞:マイ 彩:アヤ 麻衣:マイ 沙織:サオリ 恵:メグミ 瞳:ヒトミ 綾:アヤ
美香:ミカ 真理:マリ 友美:トモミ 理恵:リエ 美紀:ミキ 裕美:ヒロミ 朋子:トモコ 純子:ジュンコ
由紀:ユキ 亜希子:アキコ 陽菜:ヒナ 結衣:ユイ 葵:アオイ 結菜:ユイナ 凛:リン 美咲:ミサキ
さくら:サクラ 七海:ナナミ 彩花:アヤカ 菜々子:ナナコ 芽依:メイ 莉子:リコ 紬:ツムギ 陽葵:ヒマリ
杏:アン 優奈:ユウナ 千尋:チヒロ 奈々:ナナ 明日香:アスカ 早苗:サナエ 君子:キミコ 美奈子:ミナコ
良子:ヨシコ 昌子:マサコ 則子:ノリコ 和美:カズミ 久子:ヒサコ 栄子:エイコ 孝子:タカコ 多恵子:タエコ
絹子:キヌコ 貞子:サダコ 正子:マサコ 紀子:ノリコ 律子:リツコ 由香:ユカ 麻美:アサミ 千春:チハル
美帆:ミホ 沙希:サキ 真央:マオ 未来:ミライ
`);

/** Prefecture, a few cities in it, and a plausible fixed-line area code for each city. */
export const PLACES: readonly { pref: string; code: string; postal: string; cities: [string, string][] }[] = [
  { pref: '北海道', code: '01', postal: '0', cities: parse('札幌市中央区:011 旭川市:0166 函館市:0138 帯広市:0155') },
  { pref: '青森県', code: '02', postal: '03', cities: parse('青森市:017 弘前市:0172 八戸市:0178') },
  { pref: '岩手県', code: '03', postal: '02', cities: parse('盛岡市:019 一関市:0191 奥州市:0197') },
  { pref: '宮城県', code: '04', postal: '98', cities: parse('仙台市青葉区:022 石巻市:0225 大崎市:0229') },
  { pref: '秋田県', code: '05', postal: '01', cities: parse('秋田市:018 横手市:0182 大館市:0186') },
  { pref: '山形県', code: '06', postal: '99', cities: parse('山形市:023 鶴岡市:0235 米沢市:0238') },
  { pref: '福島県', code: '07', postal: '96', cities: parse('福島市:024 郡山市:024 いわき市:0246') },
  { pref: '茨城県', code: '08', postal: '31', cities: parse('水戸市:029 つくば市:029 日立市:0294') },
  { pref: '栃木県', code: '09', postal: '32', cities: parse('宇都宮市:028 小山市:0285 足利市:0284') },
  { pref: '群馬県', code: '10', postal: '37', cities: parse('前橋市:027 高崎市:027 太田市:0276') },
  { pref: '埼玉県', code: '11', postal: '33', cities: parse('さいたま市浦和区:048 川越市:049 所沢市:04 越谷市:048') },
  { pref: '千葉県', code: '12', postal: '26', cities: parse('千葉市中央区:043 船橋市:047 柏市:04 市原市:0436') },
  { pref: '東京都', code: '13', postal: '1', cities: parse('新宿区:03 世田谷区:03 練馬区:03 八王子市:042 町田市:042') },
  {
    pref: '神奈川県',
    code: '14',
    postal: '2',
    cities: parse('横浜市港北区:045 川崎市中原区:044 相模原市中央区:042 藤沢市:0466'),
  },
  { pref: '新潟県', code: '15', postal: '95', cities: parse('新潟市中央区:025 長岡市:0258 上越市:025') },
  { pref: '富山県', code: '16', postal: '93', cities: parse('富山市:076 高岡市:0766') },
  { pref: '石川県', code: '17', postal: '92', cities: parse('金沢市:076 小松市:0761') },
  { pref: '長野県', code: '20', postal: '38', cities: parse('長野市:026 松本市:0263 上田市:0268') },
  { pref: '岐阜県', code: '21', postal: '50', cities: parse('岐阜市:058 大垣市:0584 高山市:0577') },
  { pref: '静岡県', code: '22', postal: '42', cities: parse('静岡市葵区:054 浜松市中央区:053 沼津市:055') },
  { pref: '愛知県', code: '23', postal: '4', cities: parse('名古屋市中区:052 豊田市:0565 岡崎市:0564 一宮市:0586') },
  { pref: '三重県', code: '24', postal: '51', cities: parse('津市:059 四日市市:059 伊勢市:0596') },
  { pref: '京都府', code: '26', postal: '60', cities: parse('京都市左京区:075 宇治市:0774 舞鶴市:0773') },
  { pref: '大阪府', code: '27', postal: '5', cities: parse('大阪市北区:06 堺市堺区:072 豊中市:06 東大阪市:06') },
  { pref: '兵庫県', code: '28', postal: '6', cities: parse('神戸市中央区:078 姫路市:079 西宮市:0798 尼崎市:06') },
  { pref: '奈良県', code: '29', postal: '63', cities: parse('奈良市:0742 橿原市:0744') },
  { pref: '岡山県', code: '33', postal: '70', cities: parse('岡山市北区:086 倉敷市:086 津山市:0868') },
  { pref: '広島県', code: '34', postal: '73', cities: parse('広島市中区:082 福山市:084 呉市:0823') },
  { pref: '山口県', code: '35', postal: '75', cities: parse('山口市:083 下関市:083 周南市:0834') },
  { pref: '香川県', code: '37', postal: '76', cities: parse('高松市:087 丸亀市:0877') },
  { pref: '愛媛県', code: '38', postal: '79', cities: parse('松山市:089 今治市:0898') },
  { pref: '福岡県', code: '40', postal: '8', cities: parse('福岡市博多区:092 北九州市小倉北区:093 久留米市:0942') },
  { pref: '熊本県', code: '43', postal: '86', cities: parse('熊本市中央区:096 八代市:0965') },
  { pref: '鹿児島県', code: '46', postal: '89', cities: parse('鹿児島市:099 霧島市:0995') },
  { pref: '沖縄県', code: '47', postal: '90', cities: parse('那覇市:098 沖縄市:098 浦添市:098') },
];

export const TOWNS =
  `本町 中央 栄町 緑町 旭町 幸町 東町 西町 南町 北町 新町 駅前 桜台 若葉台 青葉町 松原 日吉町 錦町 宮前
昭和町 大手町 元町 城南 城北 清水町 泉町 春日 住吉町 八幡町 寿町 花園 光が丘 富士見町 朝日町 大町 柳町 曙町`
    .trim()
    .split(/\s+/);

const KANA: Record<string, string> = {
  ア: 'A',
  イ: 'I',
  ウ: 'U',
  エ: 'E',
  オ: 'O',
  カ: 'KA',
  キ: 'KI',
  ク: 'KU',
  ケ: 'KE',
  コ: 'KO',
  サ: 'SA',
  シ: 'SHI',
  ス: 'SU',
  セ: 'SE',
  ソ: 'SO',
  タ: 'TA',
  チ: 'CHI',
  ツ: 'TSU',
  テ: 'TE',
  ト: 'TO',
  ナ: 'NA',
  ニ: 'NI',
  ヌ: 'NU',
  ネ: 'NE',
  ノ: 'NO',
  ハ: 'HA',
  ヒ: 'HI',
  フ: 'FU',
  ヘ: 'HE',
  ホ: 'HO',
  マ: 'MA',
  ミ: 'MI',
  ム: 'MU',
  メ: 'ME',
  モ: 'MO',
  ヤ: 'YA',
  ユ: 'YU',
  ヨ: 'YO',
  ラ: 'RA',
  リ: 'RI',
  ル: 'RU',
  レ: 'RE',
  ロ: 'RO',
  ワ: 'WA',
  ヲ: 'O',
  ン: 'N',
  ガ: 'GA',
  ギ: 'GI',
  グ: 'GU',
  ゲ: 'GE',
  ゴ: 'GO',
  ザ: 'ZA',
  ジ: 'JI',
  ズ: 'ZU',
  ゼ: 'ZE',
  ゾ: 'ZO',
  ダ: 'DA',
  ヂ: 'JI',
  ヅ: 'ZU',
  デ: 'DE',
  ド: 'DO',
  バ: 'BA',
  ビ: 'BI',
  ブ: 'BU',
  ベ: 'BE',
  ボ: 'BO',
  パ: 'PA',
  ピ: 'PI',
  プ: 'PU',
  ペ: 'PE',
  ポ: 'PO',
};
const SMALL: Record<string, string> = { ャ: 'YA', ュ: 'YU', ョ: 'YO' };

/** Katakana → Hepburn romaji (upper case, long vowels not marked, as most hospital systems print). */
export function toRomaji(kana: string): string {
  let out = '';
  const chars = [...kana];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const next = chars[i + 1];
    if (ch === 'ッ') {
      const following = next ? (KANA[next] ?? '') : '';
      out += following.startsWith('CH') ? 'T' : following.charAt(0);
      continue;
    }
    if (next && SMALL[next]) {
      const base = KANA[ch] ?? '';
      const y = SMALL[next]!;
      out += base === 'SHI' || base === 'CHI' || base === 'JI' ? base.slice(0, -1) + y.slice(1) : base.slice(0, -1) + y;
      i++;
      continue;
    }
    if (ch === 'ー') continue;
    out += KANA[ch] ?? ch;
  }
  // "OU" / "OO" long vowels are commonly written as a single O in passports; hospitals vary. Keep OU.
  return out;
}

/** Hiragana → katakana (for given names written in hiragana, e.g. さくら). */
export const toKatakana = (s: string) =>
  s.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
