/** Clinical vocabulary for synthetic records: departments, diagnoses (ICD-10) with typical drugs. */

export const DEPARTMENTS: readonly { code: string; name: string }[] = [
  { code: '01', name: '内科' },
  { code: '02', name: '循環器内科' },
  { code: '03', name: '消化器内科' },
  { code: '04', name: '呼吸器内科' },
  { code: '05', name: '外科' },
  { code: '06', name: '整形外科' },
  { code: '07', name: '脳神経外科' },
  { code: '08', name: '小児科' },
  { code: '09', name: '眼科' },
  { code: '10', name: '皮膚科' },
  { code: '11', name: '泌尿器科' },
  { code: '12', name: '産婦人科' },
  { code: '13', name: '耳鼻咽喉科' },
  { code: '14', name: '精神科' },
  { code: '15', name: '腎臓内科' },
];

export type Drug = { name: string; code: string; dose: string; usage: string; days: number };

const d = (name: string, code: string, dose: string, usage: string, days = 28): Drug => ({
  name,
  code,
  dose,
  usage,
  days,
});

export const DRUGS = {
  amlodipine: d('アムロジピン錠5mg', '2171022F1', '1錠', '1日1回 朝食後'),
  candesartan: d('カンデサルタン錠8mg', '2149040F3', '1錠', '1日1回 朝食後'),
  metformin: d('メトホルミン塩酸塩錠250mg', '3962002F1', '2錠', '1日2回 朝夕食後'),
  sitagliptin: d('シタグリプチン錠50mg', '3969010F1', '1錠', '1日1回 朝食後'),
  rosuvastatin: d('ロスバスタチン錠2.5mg', '2189017F1', '1錠', '1日1回 夕食後'),
  atorvastatin: d('アトルバスタチン錠10mg', '2189015F2', '1錠', '1日1回 夕食後'),
  aspirin: d('アスピリン腸溶錠100mg', '3399007H1', '1錠', '1日1回 朝食後'),
  edoxaban: d('エドキサバン錠30mg', '3339003F1', '1錠', '1日1回 朝食後'),
  furosemide: d('フロセミド錠20mg', '2139005F1', '1錠', '1日1回 朝食後'),
  bisoprolol: d('ビソプロロールフマル酸塩錠2.5mg', '2123016F2', '1錠', '1日1回 朝食後'),
  lansoprazole: d('ランソプラゾールOD錠15mg', '2329023F1', '1錠', '1日1回 朝食後'),
  rebamipide: d('レバミピド錠100mg', '2329021F1', '3錠', '1日3回 毎食後'),
  magnesium: d('酸化マグネシウム錠330mg', '2344009F1', '3錠', '1日3回 毎食後'),
  loxoprofen: d('ロキソプロフェンNa錠60mg', '1149019F1', '3錠', '1日3回 毎食後', 14),
  celecoxib: d('セレコキシブ錠100mg', '1149037F1', '2錠', '1日2回 朝夕食後', 14),
  alendronate: d('アレンドロン酸錠35mg', '3999018F2', '1錠', '週1回 起床時', 4),
  zolpidem: d('ゾルピデム酒石酸塩錠5mg', '1129009F1', '1錠', '1日1回 就寝前'),
  escitalopram: d('エスシタロプラム錠10mg', '1179054F1', '1錠', '1日1回 夕食後'),
  donepezil: d('ドネペジル塩酸塩OD錠5mg', '1190012F2', '1錠', '1日1回 朝食後'),
  tamsulosin: d('タムスロシン塩酸塩OD錠0.2mg', '2590008F1', '1錠', '1日1回 朝食後'),
  levothyroxine: d('レボチロキシンNa錠50μg', '2431004F2', '1錠', '1日1回 朝食後'),
  febuxostat: d('フェブキソスタット錠20mg', '3949003F1', '1錠', '1日1回 朝食後'),
  montelukast: d('モンテルカスト錠10mg', '4490026F1', '1錠', '1日1回 就寝前'),
  carbocisteine: d('カルボシステイン錠500mg', '2233002F1', '3錠', '1日3回 毎食後', 7),
  levofloxacin: d('レボフロキサシン錠500mg', '6241013F1', '1錠', '1日1回 朝食後', 7),
  valaciclovir: d('バラシクロビル錠500mg', '6250019F1', '2錠', '1日3回 毎食後', 7),
  ursodeoxycholic: d('ウルソデオキシコール酸錠100mg', '2362001F1', '3錠', '1日3回 毎食後'),
};
type DrugKey = keyof typeof DRUGS;

export type Diagnosis = { name: string; icd10: string; dept: string; drugs: DrugKey[] };

const dx = (name: string, icd10: string, dept: string, drugs: DrugKey[]): Diagnosis => ({ name, icd10, dept, drugs });

export const DIAGNOSES: readonly Diagnosis[] = [
  dx('2型糖尿病', 'E11.9', '01', ['metformin', 'sitagliptin']),
  dx('本態性高血圧症', 'I10', '01', ['amlodipine', 'candesartan']),
  dx('脂質異常症', 'E78.5', '01', ['rosuvastatin', 'atorvastatin']),
  dx('慢性心不全', 'I50.9', '02', ['furosemide', 'bisoprolol']),
  dx('発作性心房細動', 'I48.0', '02', ['edoxaban', 'bisoprolol']),
  dx('労作性狭心症', 'I20.8', '02', ['aspirin', 'atorvastatin']),
  dx('脳梗塞後遺症', 'I69.3', '07', ['aspirin']),
  dx('誤嚥性肺炎', 'J69.0', '04', ['levofloxacin', 'carbocisteine']),
  dx('慢性閉塞性肺疾患', 'J44.9', '04', ['carbocisteine']),
  dx('気管支喘息', 'J45.9', '04', ['montelukast']),
  dx('慢性腎臓病', 'N18.3', '15', ['candesartan', 'febuxostat']),
  dx('胃潰瘍', 'K25.9', '03', ['lansoprazole', 'rebamipide']),
  dx('逆流性食道炎', 'K21.0', '03', ['lansoprazole']),
  dx('胆石症', 'K80.2', '03', ['ursodeoxycholic']),
  dx('慢性便秘症', 'K59.0', '03', ['magnesium']),
  dx('変形性膝関節症', 'M17.9', '06', ['loxoprofen', 'rebamipide']),
  dx('腰部脊柱管狭窄症', 'M48.06', '06', ['celecoxib']),
  dx('骨粗鬆症', 'M81.9', '06', ['alendronate']),
  dx('右大腿骨頚部骨折', 'S72.0', '06', ['loxoprofen', 'alendronate']),
  dx('不眠症', 'G47.0', '14', ['zolpidem']),
  dx('うつ病', 'F32.9', '14', ['escitalopram']),
  dx('アルツハイマー型認知症', 'G30.9', '01', ['donepezil']),
  dx('前立腺肥大症', 'N40', '11', ['tamsulosin']),
  dx('甲状腺機能低下症', 'E03.9', '01', ['levothyroxine']),
  dx('痛風', 'M10.9', '01', ['febuxostat']),
  dx('帯状疱疹', 'B02.9', '10', ['valaciclovir', 'loxoprofen']),
];

export const PURPOSES = [
  '精査加療のお願い',
  '今後の加療についてご高診をお願いいたします',
  '手術適応についてご判断をお願いいたします',
  '退院後の継続加療をお願いいたします',
  '画像検査(CT/MRI)のご依頼',
  '専門的治療のため',
  'かかりつけ医として今後の外来管理をお願いいたします',
];

export const MODALITIES = {
  CT: {
    sopClass: '1.2.840.10008.5.1.4.1.1.2',
    parts: ['CHEST', 'ABDOMEN', 'HEAD', 'PELVIS'],
    descs: ['胸部CT', '腹部CT', '頭部CT', '胸腹部造影CT'],
  },
  MR: {
    sopClass: '1.2.840.10008.5.1.4.1.1.4',
    parts: ['HEAD', 'LSPINE', 'KNEE', 'SHOULDER'],
    descs: ['頭部MRI', '腰椎MRI', '膝関節MRI', '頭部MRA'],
  },
  CR: {
    sopClass: '1.2.840.10008.5.1.4.1.1.1',
    parts: ['CHEST', 'KNEE', 'LSPINE', 'HAND'],
    descs: ['胸部X線', '膝関節X線', '腰椎X線', '手X線'],
  },
} as const;
export type Modality = keyof typeof MODALITIES;
