package dev.fleetnet.controller.certs;

import dev.fleetnet.controller.api.Calls;
import dev.fleetnet.controller.store.FleetException;
import dev.fleetnet.proto.v1.AddCertificateRequest;
import dev.fleetnet.proto.v1.Certificate;
import dev.fleetnet.proto.v1.CertificateInfo;
import dev.fleetnet.proto.v1.CertificateServiceGrpc;
import dev.fleetnet.proto.v1.CertificateSource;
import dev.fleetnet.proto.v1.DeleteCertificateRequest;
import dev.fleetnet.proto.v1.DeleteCertificateResponse;
import dev.fleetnet.proto.v1.GetFleetCaRequest;
import dev.fleetnet.proto.v1.GetFleetCaResponse;
import dev.fleetnet.proto.v1.ListCertificatesRequest;
import dev.fleetnet.proto.v1.ListCertificatesResponse;
import dev.fleetnet.routing.Hostnames;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code CertificateService}: uploads (validated before anything is written), listings of every
 * source without keys (and of failing ACME orders), deletes of uploads, and the fleet CA's certificate.
 */
public final class CertificateApi extends CertificateServiceGrpc.CertificateServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(CertificateApi.class);
    private final CertificateStore store;
    private final FleetCa ca;
    private final Clock clock;

    public CertificateApi(CertificateStore store, FleetCa ca, Clock clock) {
        this.store = store;
        this.ca = ca;
        this.clock = clock;
    }

    @Override
    public void addCertificate(AddCertificateRequest request, StreamObserver<CertificateInfo> out) {
        Calls.unary(out, () -> {
            Certificate upload = UploadValidator.validate(request.getHostname(), request.getCertificateChainPem(),
                    request.getPrivateKeyPem(), clock.instant());
            store.put(upload);
            log.info("certificate uploaded for {}: sha256 {}, expires {}", upload.getHostname(),
                    upload.getInfo().getSha256Fingerprint(), java.time.Instant.ofEpochSecond(upload.getInfo().getNotAfterEpochSeconds()));
            return upload.getInfo();
        });
    }

    @Override
    public void listCertificates(ListCertificatesRequest request, StreamObserver<ListCertificatesResponse> out) {
        Calls.unary(out, () -> {
            String hostname = request.getHostname().isEmpty() ? "" : Hostnames.normalize(request.getHostname());
            return ListCertificatesResponse.newBuilder().addAllCertificates(store.list(hostname))
                    .addAllAcmeFailures(store.acmeFailures(hostname)).build();
        });
    }

    @Override
    public void deleteCertificate(DeleteCertificateRequest request, StreamObserver<DeleteCertificateResponse> out) {
        Calls.unary(out, () -> {
            String hostname = Hostnames.normalize(request.getHostname());
            if (!store.delete(CertificateSource.CERTIFICATE_SOURCE_UPLOADED, hostname)) {
                throw new FleetException(FleetException.Kind.NOT_FOUND, "hostname: '" + hostname
                        + "' has no uploaded certificate (expected: a hostname `fleetnet cert list` shows with source uploaded)");
            }
            log.info("uploaded certificate deleted for {}", hostname);
            return DeleteCertificateResponse.getDefaultInstance();
        });
    }

    @Override
    public void getFleetCa(GetFleetCaRequest request, StreamObserver<GetFleetCaResponse> out) {
        Calls.unary(out, () -> GetFleetCaResponse.newBuilder().setCertificatePem(ca.certificatePem()).setInfo(ca.info()).build());
    }
}
