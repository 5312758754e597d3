package dev.fleetnet.controller.ssh;

import dev.fleetnet.controller.api.Calls;
import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.controller.store.FleetStore;
import dev.fleetnet.core.Names;
import dev.fleetnet.proto.v1.AddSshKeyRequest;
import dev.fleetnet.proto.v1.DeleteSshKeyRequest;
import dev.fleetnet.proto.v1.DeleteSshKeyResponse;
import dev.fleetnet.proto.v1.GetKnownHostsRequest;
import dev.fleetnet.proto.v1.GetKnownHostsResponse;
import dev.fleetnet.proto.v1.IssueUserCertificateRequest;
import dev.fleetnet.proto.v1.IssueUserCertificateResponse;
import dev.fleetnet.proto.v1.ListSshKeysRequest;
import dev.fleetnet.proto.v1.ListSshKeysResponse;
import dev.fleetnet.proto.v1.SshKeyScope;
import dev.fleetnet.proto.v1.SshServiceGrpc;
import dev.fleetnet.proto.v1.SshUserKey;
import dev.fleetnet.ssh.SshAccess;
import dev.fleetnet.ssh.SshKeys;
import io.grpc.stub.StreamObserver;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code SshService}: user keys (validated before anything is written), the known_hosts line, user certificates. */
public final class SshApi extends SshServiceGrpc.SshServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(SshApi.class);
    private final SshStore store;
    private final FleetStore fleet;
    private final FleetSshCa ca;
    private final Clock clock;

    public SshApi(SshStore store, FleetStore fleet, FleetSshCa ca, Clock clock) {
        this.store = store;
        this.fleet = fleet;
        this.ca = ca;
        this.clock = clock;
    }

    @Override
    public void addKey(AddSshKeyRequest request, StreamObserver<SshUserKey> out) {
        Calls.unary(out, () -> {
            Names.check("key name", request.getName());
            PublicKey key = SshKeys.parsePublicKey(request.getPublicKey());
            if (request.getScope() == SshKeyScope.SSH_KEY_SCOPE_UNSPECIFIED || request.getScope() == SshKeyScope.UNRECOGNIZED) {
                throw new IllegalArgumentException("scope: " + request.getScope() + " (expected: machine, app or network)");
            }
            Names.check(SshAccess.scopeName(request.getScope()), request.getTarget());
            SshUserKey stored = SshUserKey.newBuilder().setName(request.getName()).setPublicKey(SshKeys.line(key))
                    .setScope(request.getScope()).setTarget(request.getTarget()).setFingerprint(SshKeys.fingerprint(key))
                    .setCreatedEpochSeconds(clock.instant().getEpochSecond()).build();
            if (!store.addKey(stored)) {
                throw new FleetException(FleetException.Kind.ALREADY_EXISTS, "key name: '" + request.getName()
                        + "' is taken (expected: a new name, or `fleetnet ssh key delete " + request.getName() + "` first)");
            }
            log.info("SSH key '{}' added: {}, scoped to {}", stored.getName(), stored.getFingerprint(), SshAccess.describe(stored));
            return stored;
        });
    }

    @Override
    public void listKeys(ListSshKeysRequest request, StreamObserver<ListSshKeysResponse> out) {
        Calls.unary(out, () -> ListSshKeysResponse.newBuilder().addAllKeys(store.keys()).build());
    }

    @Override
    public void deleteKey(DeleteSshKeyRequest request, StreamObserver<DeleteSshKeyResponse> out) {
        Calls.unary(out, () -> {
            if (!store.deleteKey(request.getName())) {
                throw new FleetException(FleetException.Kind.NOT_FOUND, "key name: '" + request.getName()
                        + "' not found (expected: a name `fleetnet ssh key list` shows)");
            }
            log.info("SSH key '{}' deleted", request.getName());
            return DeleteSshKeyResponse.getDefaultInstance();
        });
    }

    @Override
    public void getKnownHosts(GetKnownHostsRequest request, StreamObserver<GetKnownHostsResponse> out) {
        Calls.unary(out, () -> GetKnownHostsResponse.newBuilder().setKnownHosts(ca.knownHostsLine())
                .setCaPublicKey(ca.publicKeyLine()).build());
    }

    @Override
    public void issueUserCertificate(IssueUserCertificateRequest request, StreamObserver<IssueUserCertificateResponse> out) {
        Calls.unary(out, () -> {
            Names.check("machine", request.getMachine());
            fleet.machine(request.getMachine()); // NOT_FOUND for an unknown machine
            PublicKey key = SshKeys.parsePublicKey(request.getPublicKey());
            OpenSshCertificate certificate = ca.signUser(request.getMachine(), key, Duration.ofSeconds(request.getTtlSeconds()),
                    clock.instant());
            log.info("SSH user certificate '{}' issued for {} until {}", certificate.getId(), SshKeys.fingerprint(key),
                    java.time.Instant.ofEpochSecond(certificate.getValidBefore()));
            return IssueUserCertificateResponse.newBuilder().setCertificate(SshKeys.line(certificate)).setKeyId(certificate.getId())
                    .setValidBeforeEpochSeconds(certificate.getValidBefore()).build();
        });
    }
}
