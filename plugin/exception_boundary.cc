#include "exception_boundary.h"

#include <cstring>
#include <cxxabi.h>
#include <exception>
#include <string>
#include <typeinfo>

namespace {

/* GDB 10..16 gdbsupport/common-exceptions.h: struct gdb_exception
 * { enum return_reason reason; enum errors error;
 *   std::shared_ptr<std::string> message; }, no virtual members. We only
 * read it, and only after the type name said it is a gdb_exception_error. */
struct gdb_exception_view {
    int reason;
    int error;
    const std::string *message;
};

const int RETURN_ERROR = -1;

void copy_message(char *msg, size_t msglen)
{
    if (!msg || msglen == 0)
        return;
    std::strncpy(msg, "GDB error", msglen - 1);
    msg[msglen - 1] = '\0';
    /* libstdc++'s exception_ptr is exactly a pointer to the thrown object
     * (its ABI since GCC 4.4); it keeps the object alive while we read. */
    std::exception_ptr held = std::current_exception();
    static_assert(sizeof held == sizeof(void *), "libstdc++ exception_ptr");
    void *obj;
    std::memcpy(&obj, &held, sizeof obj);
    if (!obj)
        return;
    const gdb_exception_view *e = static_cast<const gdb_exception_view *>(obj);
    if (e->reason == RETURN_ERROR && e->message) {
        std::strncpy(msg, e->message->c_str(), msglen - 1);
        msg[msglen - 1] = '\0';
    }
}

} // namespace

extern "C" int ngxmem_catch_errors(void (*fn)(void *), void *arg, char *msg,
                                   size_t msglen)
{
    try {
        fn(arg);
        return 0;
    } catch (...) {
        const std::type_info *t = abi::__cxa_current_exception_type();
        if (!t || std::strcmp(t->name(), "19gdb_exception_error") != 0)
            throw;
        copy_message(msg, msglen);
        return -1;
    }
}
