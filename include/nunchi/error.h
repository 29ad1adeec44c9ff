/* nunchi's one error enum. Every function that can fail returns an int that is NN_OK or
 * one of these codes; wrappers around libzmq, protobuf-c, igraph and libyaml translate
 * their library's failure into one of them and keep the native detail in a message. */
#ifndef NUNCHI_ERROR_H
#define NUNCHI_ERROR_H

typedef enum nn_err {
    NN_OK = 0,
    NN_ENOMEM,    /* an allocation failed */
    NN_EINVAL,    /* a caller passed an argument outside the contract */
    NN_ESCENARIO, /* the scenario (file, --set or CLI option) is wrong */
    NN_EPROTO,    /* a wire message is malformed, truncated or out of protocol */
    NN_ETOOBIG,   /* a wire message or a batch is larger than the configured limit */
    NN_EIO,       /* reading or writing a file failed */
    NN_EZMQ,      /* a ZeroMQ call failed */
    NN_ETIMEOUT,  /* a peer missed a deadline */
    NN_EPEER,     /* a peer vanished, exited or sent an error */
    NN_EGRAPH,    /* igraph failed to build or measure a network */
    NN_ESYS,      /* an operating-system call (fork, spawn, signal) failed */
    NN_EINTR,     /* the run was stopped from outside (SIGINT, SIGTERM) */
    NN_EMPI       /* an MPI call failed, or another rank of the run did */
} nn_err_t;

/* A short lower-case description of code; never NULL, also for unknown codes. */
static inline const char *nn_strerror(int code)
{
    switch (code) {
    case NN_OK: return "success";
    case NN_ENOMEM: return "out of memory";
    case NN_EINVAL: return "invalid argument";
    case NN_ESCENARIO: return "scenario error";
    case NN_EPROTO: return "protocol error";
    case NN_ETOOBIG: return "message too large";
    case NN_EIO: return "input/output error";
    case NN_EZMQ: return "zeromq error";
    case NN_ETIMEOUT: return "deadline missed";
    case NN_EPEER: return "peer failed";
    case NN_EGRAPH: return "network construction failed";
    case NN_ESYS: return "system call failed";
    case NN_EINTR: return "interrupted";
    case NN_EMPI: return "mpi error";
    default: return "unknown error";
    }
}

#endif
