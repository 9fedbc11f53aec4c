import { AGENT_PRODUCT, type Product } from '@mamori/agent';
import { PERSONAS } from './personas/index.ts';
import { SensorRuntime } from './runtime.ts';

/**
 * `mamori-sensor`: the agent runtime (enrolment, mutual TLS, heartbeats, outbox) with the decoy
 * servers as its only module. It never needs root: the unit grants just the right to bind ports
 * below 1024, runs as a throwaway user and sees a read-only system.
 */
export const SENSOR_PRODUCT: Product = {
  ...AGENT_PRODUCT,
  id: 'sensor',
  command: 'mamori-sensor',
  title: 'Mamori decoy-server sensor',
  dirEnv: 'MAMORI_SENSOR_DIR',
  linuxDir: '/var/lib/mamori-sensor',
  windowsDir: 'sensor',
  unitName: 'mamori-sensor',
  windowsService: 'MamoriSensor',
  confinement: (
    dir,
    quote,
  ) => `# Unprivileged: a throwaway user, only the right to bind low ports (22, 104, 443, 445 …).
DynamicUser=yes
${dir === '/var/lib/mamori-sensor' ? 'StateDirectory=mamori-sensor' : `ReadWritePaths=${quote(dir)}`}
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
ProtectSystem=strict
ProtectHome=yes
PrivateDevices=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
SystemCallFilter=@system-service
MemoryMax=1G
LimitNOFILE=65536`,
  decoys: false,
  modules: () => [new SensorRuntime(PERSONAS)],
};
