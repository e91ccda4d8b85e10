#include "net/TlsClient.h"

#include <mutex>

#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>

namespace si::net {

Poco::AutoPtr<Poco::Net::Context> verifyingClientContext(const std::string& caFile)
{
    static std::once_flag once;
    std::call_once(once, [] { Poco::Net::initializeSSL(); });
    Poco::Net::Context::Params params;
    params.caLocation = caFile; // added to the system's CAs (loadDefaultCAs)
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT; // peer certificate and host name
    params.verificationDepth = 9;
    params.loadDefaultCAs = true;
    Poco::AutoPtr<Poco::Net::Context> context(new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params));
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    return context;
}

std::unique_ptr<Poco::Net::HTTPClientSession> clientSession(bool https, const std::string& host, unsigned short port,
                                                            const Poco::AutoPtr<Poco::Net::Context>& context,
                                                            int timeoutMs)
{
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (https)
        session = std::make_unique<Poco::Net::HTTPSClientSession>(host, port, context);
    else
        session = std::make_unique<Poco::Net::HTTPClientSession>(host, port);
    session->setTimeout(Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(timeoutMs) * 1000));
    return session;
}

} // namespace si::net
