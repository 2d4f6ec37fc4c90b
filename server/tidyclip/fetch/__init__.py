"""The one way tidyclip fetches from the web: a guarded HTTP client (client.py) over urllib3, with the
address rules of address_guard.py. Images of a clip and imported pages both come through it."""

from tidyclip.fetch.client import Fetched, FetchFailed, FetchRules, fetch, host_is_private

__all__ = ["FetchFailed", "FetchRules", "Fetched", "fetch", "host_is_private"]
