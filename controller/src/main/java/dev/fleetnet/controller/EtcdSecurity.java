package dev.fleetnet.controller;

import java.nio.file.Path;

/**
 * How the controller authenticates to an external etcd: TLS ({@code caFile} to trust its server
 * certificate; {@code certFile}/{@code keyFile}, PEM with a PKCS#8 key, for client-certificate auth)
 * and etcd's own user and password. Null: not used.
 */
public record EtcdSecurity(Path caFile, Path certFile, Path keyFile, String user, byte[] password) {
    public static final EtcdSecurity NONE = new EtcdSecurity(null, null, null, null, null);

    public EtcdSecurity {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("--etcd-cert and --etcd-key: only " + (certFile == null ? "--etcd-key" : "--etcd-cert")
                    + " given (expected: both, for a client certificate, or neither)");
        }
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException("--etcd-user and --etcd-password-file: only " + (user == null ? "--etcd-password-file" : "--etcd-user")
                    + " given (expected: both, or neither)");
        }
        password = password == null ? null : password.clone();
    }

    public boolean tls() {
        return caFile != null || certFile != null;
    }

    /** A copy: the password never leaves the record mutable. */
    @Override
    public byte[] password() {
        return password == null ? null : password.clone();
    }

    /** Never the password. */
    @Override
    public String toString() {
        return "EtcdSecurity[ca=" + caFile + ", cert=" + certFile + ", key=" + keyFile + ", user=" + user
                + (password == null ? "" : ", password=(set)") + "]";
    }
}
