package org.defenderadx.simulator.defender.auth;

/** A token-endpoint refusal in the shape Entra ID uses: an OAuth {@code error} plus an AADSTS code and text. */
public record AadError(int status, String error, int aadstsCode, String description) {
}
