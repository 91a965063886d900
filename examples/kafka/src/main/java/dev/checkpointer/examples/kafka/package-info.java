/**
 * Example: a Kafka job that counts records per key, checkpoints its counts and the input offsets together, and
 * writes each key's new count to an output topic exactly once through Kafka transactions (see the README's section
 * "Kafka example" for the protocol and what the kill test proves).
 */
@NullMarked
package dev.checkpointer.examples.kafka;

import org.jspecify.annotations.NullMarked;
