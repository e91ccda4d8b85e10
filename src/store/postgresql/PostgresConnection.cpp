#include "store/postgresql/PostgresConnection.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/PostgreSQL/SessionHandle.h>
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

#include <libpq-fe.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <vector>

using namespace Poco::Data::Keywords;

namespace si::postgres {
namespace {

/// Poco's PostgreSQL connector wraps libpq's message: "postgresql_stmt_execute
/// error: ERROR:  <message>\n Severity: … State: …"; keep the message and
/// the SQLSTATE.
std::string postgresMessage(std::string message)
{
    const std::size_t prefix = message.find("postgresql_");
    if (prefix == std::string::npos)
        return message;
    const std::size_t colon = message.find("error: ", prefix);
    if (colon != std::string::npos)
        message = message.substr(0, prefix) + message.substr(colon + 7);
    const std::size_t severity = message.find(" Severity: ");
    const std::size_t state = message.find(" State: ", severity == std::string::npos ? 0 : severity);
    std::string code;
    if (state != std::string::npos)
        code = message.substr(state + 8, message.find(' ', state + 8) - state - 8);
    if (severity != std::string::npos)
        message.erase(severity);
    for (const char* level : {"ERROR:  ", "FATAL:  "})
        for (std::size_t at; (at = message.find(level)) != std::string::npos;)
            message.erase(at, std::string(level).size());
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
    std::replace(message.begin(), message.end(), '\n', ' ');
    return code.empty() || code == "N/A" ? message : message + " (SQLSTATE " + code + ")";
}

/// The message of a Poco exception, each ": "-separated part once (Poco
/// repeats libpq's text).
std::string causeOf(const Poco::Exception& error)
{
    const std::string message = postgresMessage(error.message().empty() ? error.name() : error.message());
    std::string cause;
    std::string previous;
    std::size_t start = 0;
    while (start <= message.size()) {
        std::size_t end = message.find(": ", start);
        if (end == std::string::npos)
            end = message.size();
        const std::string part = message.substr(start, end - start);
        if (part != previous && !part.empty())
            cause += (cause.empty() ? "" : ": ") + part;
        previous = part;
        start = end + 2;
    }
    return cause;
}

SqlError translate(const Poco::Exception& error)
{
    const std::string cause = causeOf(error);
    // 55P03: lock_not_available, what lock_timeout raises.
    if (cause.find("lock timeout") != std::string::npos || cause.find("55P03") != std::string::npos)
        return SqlError(SqlFault::Locked, cause);
    return SqlError(SqlFault::Other, cause);
}

/// Runs `work`, turning Poco's exceptions into SqlError.
template <class Work>
auto translated(Work&& work) -> decltype(work())
{
    try {
        return work();
    } catch (const SqlError&) {
        throw;
    } catch (const Poco::Exception& error) {
        throw translate(error);
    } catch (const std::exception& error) {
        throw SqlError(SqlFault::Other, error.what());
    }
}

/// A Poco Statement built on first run with one text parameter per
/// position (Poco's connector sends every parameter as text and lets the
/// server infer its type, so an integer bound as its digits is the same),
/// and run again with new values. Rows come through a RecordSet. Rebuilt
/// after a run that threw (a Poco Statement that threw stays unusable).
class PocoStatement : public SqlStatement {
public:
    PocoStatement(Poco::Data::Session& session, std::string sql) : _session(session), _sql(std::move(sql)) {}

    void reset() override
    {
        _values.clear();
        _rows.reset();
        _ran = false;
        _row = 0;
        _changes = 0;
    }
    void bind(int position, std::int64_t value) override { at(position) = std::to_string(value); }
    void bind(int position, const std::string& value) override { at(position) = value; }
    void bindNull(int position) override { at(position).clear(); }

    bool step() override
    {
        if (!_ran) {
            _ran = true;
            _row = 0;
            translated([&] { run(); });
        } else {
            ++_row;
        }
        return _rows && _row < _rows->rowCount();
    }
    bool isNull(int column) const override { return value(column).isEmpty(); }
    std::int64_t int64(int column) const override
    {
        const Poco::Dynamic::Var v = value(column);
        return v.isEmpty() ? 0 : translated([&] { return v.convert<Poco::Int64>(); });
    }
    std::string text(int column) const override
    {
        const Poco::Dynamic::Var v = value(column);
        return v.isEmpty() ? std::string() : translated([&] { return v.convert<std::string>(); });
    }
    std::int64_t changes() const override { return _changes; }

private:
    Poco::Nullable<std::string>& at(int position)
    {
        if (_values.size() < static_cast<std::size_t>(position))
            _values.resize(static_cast<std::size_t>(position));
        return _values[static_cast<std::size_t>(position) - 1];
    }

    Poco::Dynamic::Var value(int column) const
    {
        if (!_rows || _row >= _rows->rowCount())
            throw SqlError(SqlFault::Other, "no row to read (step() first): " + _sql);
        return translated([&] { return _rows->value(static_cast<std::size_t>(column), _row, false); });
    }

    void run()
    {
        if (!_statement || _bound.size() != _values.size()) {
            _statement.reset();
            _bound.assign(_values.size(), Poco::Nullable<std::string>());
            auto statement = std::make_unique<Poco::Data::Statement>(_session);
            *statement << _sql;
            for (Poco::Nullable<std::string>& slot : _bound)
                *statement, use(slot);
            _statement = std::move(statement);
        }
        std::copy(_values.begin(), _values.end(), _bound.begin());
        try {
            _changes = static_cast<std::int64_t>(_statement->execute());
            if (_statement->extractionCount() > 0)
                _rows = std::make_unique<Poco::Data::RecordSet>(*_statement);
        } catch (...) {
            _statement.reset();
            throw;
        }
    }

    Poco::Data::Session& _session;
    std::string _sql;
    std::vector<Poco::Nullable<std::string>> _values; ///< as bound since reset()
    std::vector<Poco::Nullable<std::string>> _bound;  ///< what _statement's bindings point at
    std::unique_ptr<Poco::Data::Statement> _statement;
    std::unique_ptr<Poco::Data::RecordSet> _rows;
    bool _ran = false;
    std::size_t _row = 0;
    std::int64_t _changes = 0;
};

class PocoConnection : public SqlConnection {
public:
    explicit PocoConnection(const std::string& conninfo)
        : _session(translated([&] { return Poco::Data::Session(Poco::Data::PostgreSQL::Connector::KEY, conninfo); }))
    {
    }
    ~PocoConnection() override
    {
        _statements.clear(); // before their session
    }

    SqlStatement& prepare(const std::string& sql) override
    {
        auto found = _statements.find(sql);
        if (found == _statements.end())
            found = _statements.emplace(sql, std::make_unique<PocoStatement>(_session, sql)).first;
        return *found->second;
    }

    void exec(const std::string& sql) override
    {
        translated([&] { _session << sql, now; });
    }

    bool alive() override
    {
        try {
            auto* handle = Poco::AnyCast<Poco::Data::PostgreSQL::SessionHandle*>(_session.getProperty("handle"));
            return handle && PQstatus(*handle) == CONNECTION_OK;
        } catch (...) {
            return false;
        }
    }

private:
    Poco::Data::Session _session;
    std::unordered_map<std::string, std::unique_ptr<PocoStatement>> _statements;
};

} // namespace

std::unique_ptr<SqlConnection> connectWithPoco(const std::string& conninfo)
{
    static std::once_flag registered;
    translated([] { std::call_once(registered, [] { Poco::Data::PostgreSQL::Connector::registerConnector(); }); });
    // libpq connects (its connect_timeout applies), reading PGPASSWORD or
    // ~/.pgpass itself when the conninfo has no password.
    if (PQping(conninfo.c_str()) == PQPING_NO_RESPONSE)
        throw SqlError(SqlFault::CantOpen, "could not connect to the PostgreSQL server (is it running, and is the host"
                                           " and port in [database] connection right?)");
    return std::make_unique<PocoConnection>(conninfo);
}

} // namespace si::postgres
