"""Bearer authentication: static API keys and/or JWTs (HS256 shared secret or RS256 public key).

A request passes when its `Authorization: Bearer <token>` equals a configured API key (compared
in constant time) or is a JWT that verifies with the configured key, has not expired (`exp` is
required) and, when an audience/issuer is configured, names it.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import jwt

from promptocr.server.errors import TokenExpiredError, UnauthorizedError
from promptocr.server.settings import ServerSettings


class Authenticator:
    def __init__(self, settings: ServerSettings) -> None:
        self.api_keys = [k.encode() for k in settings.all_api_keys()]
        self.audience = settings.jwt_audience
        self.issuer = settings.jwt_issuer
        self.jwt_key: str | None = None
        self.jwt_alg: str | None = None
        public = settings.jwt_public_key()
        if public is not None:
            self.jwt_key, self.jwt_alg = public, "RS256"
        elif settings.jwt_secret:
            self.jwt_key, self.jwt_alg = settings.jwt_secret, "HS256"
        self.enabled = bool(self.api_keys or self.jwt_key)

    def principal(self, authorization: str | None) -> str:
        """Who is calling, for ownership (jobs): `anonymous` when auth is off, `key:<sha256
        prefix>` for an API key (the key itself is never stored), `sub:<subject>` for a JWT
        (`jwt:<sha256 prefix>` of the token when it has no `sub`). Raises like `check`."""
        claims = self.check(authorization)
        if not self.enabled:
            return "anonymous"
        token = (authorization or "").partition(" ")[2].strip()
        digest = hashlib.sha256(token.encode()).hexdigest()[:32]
        if claims is None:
            return f"key:{digest}"
        sub = claims.get("sub")
        return f"sub:{sub}" if isinstance(sub, str) and sub else f"jwt:{digest}"

    def check(self, authorization: str | None) -> dict[str, Any] | None:
        """None when auth is off or an API key matched; the JWT claims when a token verified.

        Raises UnauthorizedError (401) otherwise."""
        if not self.enabled:
            return None
        if not authorization:
            raise UnauthorizedError("missing 'Authorization: Bearer <key>' header")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise UnauthorizedError("the Authorization header must be 'Bearer <key>'")
        raw = token.encode()
        # Compare with every key so timing does not reveal which one nearly matched.
        matched = False
        for key in self.api_keys:
            matched |= hmac.compare_digest(raw, key)
        if matched:
            return None
        if self.jwt_key is None or self.jwt_alg is None or token.count(".") != 2:
            raise UnauthorizedError("invalid API key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.jwt_key,
                algorithms=[self.jwt_alg],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require": ["exp"],
                    "verify_aud": self.audience is not None,
                    "verify_iss": self.issuer is not None,
                },
                leeway=5,
            )
        except jwt.ExpiredSignatureError:
            raise TokenExpiredError("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise UnauthorizedError("the token's audience is not this service") from None
        except jwt.InvalidIssuerError:
            raise UnauthorizedError("the token's issuer is not trusted") from None
        except jwt.MissingRequiredClaimError as exc:
            raise UnauthorizedError(f"the token lacks the '{exc.claim}' claim") from None
        except jwt.InvalidTokenError:
            raise UnauthorizedError("invalid token") from None
        return claims
