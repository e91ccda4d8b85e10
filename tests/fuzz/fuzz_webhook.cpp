// POST /webhook through the real App (router, signature check, Poco JSON
// parsing, event field extraction, the SQLite store on a temporary file).
// The fuzz input is the raw body; the target signs it correctly, as Stripe
// would, so every input gets past the signature check to the JSON parser.
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "FuzzCheck.h"
#include "config/AppConfig.h"
#include "core/SignatureHeader.h"
#include "core/StateToken.h"
#include "core/Text.h"
#include "http/App.h"
#include "http/HttpTypes.h"
#include "http/Logger.h"
#include "store/SqlStore.h"
#include "web/TemplateRenderer.h"

using namespace si;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;
const char* const kSecret = "whsec_fuzz";

class CountingRandom : public RandomSource {
public:
    void fill(unsigned char* bytes, std::size_t size) override
    {
        for (std::size_t i = 0; i < size; ++i)
            bytes[i] = static_cast<unsigned char>(_next++ * 131u + i);
    }

private:
    unsigned _next = 1;
};

struct World {
    std::string dir;
    AppConfig config;
    std::unique_ptr<SqlStore> store;
    TemplateRenderer templates = TemplateRenderer::load(SI_SOURCE_DIR "/templates");
    CountingRandom random;
    std::ostringstream logText;
    Logger log{logText};
    std::unique_ptr<App> app;

    World()
    {
        char pattern[] = "/tmp/si-fuzz-webhook-XXXXXX";
        dir = mkdtemp(pattern);
        config.appId = "com.example.fuzz";
        config.appSecrets = {"absec_fuzz"};
        config.webhookSecrets = {kSecret};
        config.redirectUri = "https://example.com/stripe/callback";
        config.templatesDir = SI_SOURCE_DIR "/templates";
        config.appName = "Fuzz";
        config.dbConnection = dir + "/fuzz.sqlite";
        store = std::make_unique<SqlStore>("sqlite", config.dbConnection, 1000);
        app = std::make_unique<App>(config, *store, templates, random, [] { return kNow; }, log);
    }
    ~World()
    {
        app.reset();
        store.reset();
        for (const char* suffix : {"", "-wal", "-shm"})
            unlink((config.dbConnection + suffix).c_str());
        rmdir(dir.c_str());
    }
};

World* world = nullptr;

void cleanUp() { delete world; }

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    world = new World;
    std::atexit(cleanUp);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size > kMaxBodyBytes)
        return -1; // the transport refuses these before App sees them
    HttpRequest request;
    request.method = "POST";
    request.path = "/webhook";
    request.body.assign(reinterpret_cast<const char*>(data), size);
    request.headers["content-type"] = "application/json";
    request.headers["content-length"] = std::to_string(size);
    request.headers["stripe-signature"] = signStripeStyle(request.body, kSecret, kNow - 5);
    request.remoteAddr = "127.0.0.1";

    const HttpResponse response = world->app->handle(request);
    // Signed bodies are either accepted (200) or refused as bad JSON (400);
    // a 500 means an exception escaped the endpoint, a 503 the store failed.
    SI_FUZZ_CHECK(response.status == 200 || response.status == 400,
                  std::to_string(response.status) + " " + logSafe(response.body, 300) + " log: " +
                      logSafe(world->logText.str(), 600));
    // The JSON answer must be UTF-8 and must not echo the body's bytes (the
    // finding in tests/fuzz/findings/webhook-*, fixed: Poco's parse error,
    // which quotes the offending raw byte, now goes to the log only).
    const std::string& answer = response.body;
    SI_FUZZ_CHECK(isValidUtf8(answer), logSafe(response.body, 300));
    if (response.status == 400)
        SI_FUZZ_CHECK(fuzz::contains(response.body, "\"bad_json\""), logSafe(response.body, 300));
    // Every log line stays one line of printable text.
    const std::string logged = world->logText.str();
    std::size_t start = 0;
    for (std::size_t end = logged.find('\n'); end != std::string::npos; end = logged.find('\n', start)) {
        const std::string_view line(logged.data() + start, end - start);
        for (char c : line)
            SI_FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20, logSafe(line, 300));
        start = end + 1;
    }
    world->logText.str("");
    return 0;
}
