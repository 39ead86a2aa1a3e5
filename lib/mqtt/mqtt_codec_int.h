/*
 * mqtt_codec_int.h - what the codec's files share; not for callers.
 */
#ifndef LIB_MQTT_MQTT_CODEC_INT_H
#define LIB_MQTT_MQTT_CODEC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtt/mqtt_codec.h"

/**
 * Check a topic name (filter false) or topic filter (filter true).
 * @return MQTT_OK, MQTT_ERR_TOPIC, MQTT_ERR_UTF8 or MQTT_ERR_TOO_BIG.
 */
int mqtt_check_topic(const struct mqtt_bytes *t, bool filter);

/**
 * Check the first byte of a fixed header: type and flags.
 * @return MQTT_OK, MQTT_ERR_TYPE, MQTT_ERR_FLAGS or MQTT_ERR_QOS.
 */
int mqtt_check_flags(uint8_t byte1);

/**
 * Parse the variable header and payload of a packet whose first byte is
 * byte1.
 * @param body: borrowed, len bytes (the Remaining Length); p points into
 *	it afterwards.
 * @return MQTT_OK or the code naming what is malformed; p is zeroed then.
 */
int mqtt_parse_body(
    uint8_t byte1, const uint8_t *body, size_t len, struct mqtt_packet *p);

#endif /* LIB_MQTT_MQTT_CODEC_INT_H */
