/**
 * Example: a WebFlux service keeping counters per key in memory, checkpointed through the checkpointer Spring Boot
 * starter and restored on startup.
 */
package dev.checkpointer.examples.webflux;
