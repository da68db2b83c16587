//! Rate limits that hold for the deployment: counted once in Redis for every process, and
//! what each limit does while Redis does not answer.

mod shared;
