import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@mamori/agent';
import { createRng, makeFacility, type Rng, type SyntheticFacility, toRomaji } from '@mamori/decoys';

/**
 * What makes one sensor look like one particular machine rather than "a Mamori sensor": host and
 * domain names, OS flavour, organisation, keys and certificates. Everything follows from the
 * policy's seed, so a sensor keeps its face across restarts and no two sensors share one
 * (default-install honeypots are fingerprinted by exactly such constants).
 */
export interface SensorIdentity {
  readonly seed: string;
  /** Short host name, e.g. `srv-kitakata-02`. */
  readonly hostname: string;
  /** DNS / Windows domain, e.g. `kitakata-hp.local` and `KITAKATA`. */
  readonly domain: string;
  readonly netbiosDomain: string;
  /** The synthetic hospital the sensor pretends to belong to (never a real one). */
  readonly organisation: SyntheticFacility;
  /** Romanised short name of the organisation, for banners and certificate subjects. */
  readonly orgSlug: string;
  /** Linux flavour the shells and banners show. */
  readonly linux: { distro: string; kernel: string; openssh: string; sshBanner: string };
  /** Windows flavour for RDP/SMB/MSSQL. */
  readonly windows: { product: string; build: string; version: [number, number, number] };
  /** A seeded random stream for a label: the same sequence on every start. */
  rng(label: string): Rng;
  /**
   * A value created once and kept in the sensor's state directory (SSH host keys, TLS keys):
   * returns the stored text, or runs `create` and stores its result (mode 0600). A stored value
   * that `valid` rejects (corrupt, or made by a buggy generator) is replaced.
   */
  persisted(name: string, create: () => string | Promise<string>, valid?: (text: string) => boolean): Promise<string>;
}

const UBUNTU = [
  { distro: 'Ubuntu 22.04.4 LTS', kernel: '5.15.0-105-generic', openssh: 'OpenSSH_8.9p1 Ubuntu-3ubuntu0.7' },
  { distro: 'Ubuntu 22.04.5 LTS', kernel: '5.15.0-122-generic', openssh: 'OpenSSH_8.9p1 Ubuntu-3ubuntu0.10' },
  { distro: 'Ubuntu 20.04.6 LTS', kernel: '5.4.0-182-generic', openssh: 'OpenSSH_8.2p1 Ubuntu-4ubuntu0.11' },
  { distro: 'Debian GNU/Linux 11 (bullseye)', kernel: '5.10.0-28-amd64', openssh: 'OpenSSH_8.4p1 Debian-5+deb11u3' },
  { distro: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-21-amd64', openssh: 'OpenSSH_9.2p1 Debian-2+deb12u2' },
  {
    distro: 'CentOS Linux release 7.9.2009 (Core)',
    kernel: '3.10.0-1160.el7.x86_64',
    openssh: 'OpenSSH_7.4',
  },
  {
    distro: 'Red Hat Enterprise Linux release 8.8 (Ootpa)',
    kernel: '4.18.0-477.10.1.el8_8.x86_64',
    openssh: 'OpenSSH_8.0',
  },
] as const;

const WINDOWS = [
  { product: 'Windows Server 2016 Standard', build: '14393', version: [10, 0, 14393] },
  { product: 'Windows Server 2019 Standard', build: '17763', version: [10, 0, 17763] },
  { product: 'Windows Server 2012 R2 Standard', build: '9600', version: [6, 3, 9600] },
  { product: 'Windows Server 2022 Standard', build: '20348', version: [10, 0, 20348] },
] as const;

const ROLES = ['srv', 'fs', 'emr', 'pacs', 'dc', 'app', 'db', 'gw', 'vpn', 'ris', 'lab'];

/** Builds the identity for a seed; `stateDir` keeps the persisted keys (one folder per seed). */
export function createIdentity(seed: string, stateDir: string): SensorIdentity {
  const root = createRng('mamori-sensor', seed);
  const organisation = makeFacility(root.fork('organisation'));
  // Romanised from a (synthetic) founder's surname: hospitals often carry one (佐藤病院 → satou-hp).
  const slug = romanSlug(root.fork('slug').pick(organisation.doctors).surnameKana) || `hp${root.int(10, 99)}`;
  const n = root.fork('names');
  const hostname = `${n.pick(ROLES)}-${slug}-${String(n.int(1, 12)).padStart(2, '0')}`;
  const domain = `${slug}-${n.pick(['hp', 'hosp', 'med', 'mc', 'clinic'])}.${n.pick(['local', 'lan', 'internal', 'corp'])}`;
  const netbiosDomain =
    slug
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .slice(0, 15) || 'WORKGROUP';
  const u = root.fork('os').pick(UBUNTU);
  const w = root.fork('windows').pick(WINDOWS);
  const dir = path.join(stateDir, 'sensor', seed);
  return {
    seed,
    hostname,
    domain,
    netbiosDomain,
    organisation,
    orgSlug: slug,
    linux: { ...u, sshBanner: `SSH-2.0-${u.openssh}` },
    windows: { product: w.product, build: w.build, version: [...w.version] as [number, number, number] },
    rng: (label) => root.fork(label),
    persisted: async (name, create, valid) => {
      if (!/^[a-z0-9][a-z0-9._-]{0,80}$/.test(name)) throw new Error(`bad persisted name ${name}`);
      const file = path.join(dir, name);
      try {
        const stored = await readFile(file, 'utf8');
        if (!valid || valid(stored)) return stored;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const value = await create();
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, value, 0o600);
      return value;
    },
  };
}

/** `サトウ` → `satou` (via the decoys package's romanisation). */
function romanSlug(kana: string): string {
  return toRomaji(kana)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 12);
}
