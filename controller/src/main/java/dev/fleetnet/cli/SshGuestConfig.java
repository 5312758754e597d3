package dev.fleetnet.cli;

import dev.fleetnet.ssh.SshAccess;

/**
 * The guest side of relayed SSH sessions, as a shell script for the guest's root: sshd trusts user
 * certificates of the fleet SSH CA, and lets in as root only the principal every host's relay
 * certificate carries. Other users and their own keys are untouched (the principals file exists
 * for root alone; a user with no file gets no certificate login). Pure.
 */
final class SshGuestConfig {
    private SshGuestConfig() {}

    static String script(String caPublicKey, String dir) {
        if (caPublicKey.isBlank()) {
            throw new IllegalStateException("the controller has no SSH CA yet (expected: a CA public key in ssh known-hosts)");
        }
        if (!dir.startsWith("/") || dir.contains("'")) {
            throw new IllegalArgumentException("--dir: '" + dir + "' (expected: an absolute path without quotes)");
        }
        return String.join("\n",
                "# fleetnet: let the platform relay `ssh MACHINE@HOST` to this machine's sshd (run as root in the guest)",
                "set -e",
                "install -d -m 755 '" + dir + "/sshd_config.d' '" + dir + "/fleetnet-principals'",
                "printf '%s\\n' '" + caPublicKey.strip() + "' > '" + dir + "/fleetnet-user-ca.pub'",
                "printf '%s\\n' '" + SshAccess.RELAY_PRINCIPAL + "' > '" + dir + "/fleetnet-principals/root'",
                "printf '%s\\n' 'TrustedUserCAKeys " + dir + "/fleetnet-user-ca.pub' 'AuthorizedPrincipalsFile " + dir
                        + "/fleetnet-principals/%u' > '" + dir + "/sshd_config.d/fleetnet.conf'",
                "# then reload sshd (its config must Include " + dir + "/sshd_config.d/*.conf, as Debian's does)",
                "");
    }
}
