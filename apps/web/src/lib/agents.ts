/**
 * The lines an administrator runs on a host to enrol it and start the agent as a service. The agent
 * checks the server against the platform CA in `mamori-ca.crt` (downloaded from the console).
 * On Windows, `install-service` prints the `sc.exe` commands to run next in the same window.
 */
export function enrolCommands(origin: string, token: string): { linux: string; windows: string } {
  const args = `--server ${origin} --token ${token} --ca mamori-ca.crt`;
  return {
    linux: [
      `sudo mamori-agent enroll ${args}`,
      'sudo mamori-agent install-service',
      'sudo systemctl daemon-reload && sudo systemctl enable --now mamori-agent',
    ].join('\n'),
    windows: [`mamori-agent enroll ${args}`, 'mamori-agent install-service'].join('\n'),
  };
}
