import type { PersonaKind } from '@mamori/contracts';
import type { PersonaFactory } from '../core/persona.ts';
import { ftpPersona, mssqlPersona, mysqlPersona, tcpPersona, vncPersona } from './banners.ts';
import { dicomPersona } from './dicom.ts';
import { hl7Persona } from './hl7.ts';
import { emrWebPersona, sslvpnFortiPersona, sslvpnPersona } from './https.ts';
import { rdpPersona } from './rdp.ts';
import { smbPersona } from './smb.ts';
import { sshPersona } from './ssh.ts';
import { telnetPersona } from './telnet.ts';

/**
 * The personas this sensor version can run. A configured persona missing here is reported to the
 * console as a problem of that port ("not available in this sensor version"), never ignored.
 */
export const PERSONAS: Partial<Record<PersonaKind, PersonaFactory>> = {
  sslvpn_forti: sslvpnFortiPersona,
  sslvpn: sslvpnPersona,
  emr_web: emrWebPersona,
  ssh: sshPersona,
  telnet: telnetPersona,
  rdp: rdpPersona,
  smb: smbPersona,
  dicom: dicomPersona,
  hl7: hl7Persona,
  ftp: ftpPersona,
  mysql: mysqlPersona,
  mssql: mssqlPersona,
  vnc: vncPersona,
  tcp: tcpPersona,
};
