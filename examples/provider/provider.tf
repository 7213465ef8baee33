terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}

# The key is best left to the AGENT37_API_KEY environment variable, so it never sits in a file.
provider "agent37" {
  # api_key       = "sk_live_..."                  # or AGENT37_API_KEY
  # base_url      = "https://api.agent37.com/v1"   # or AGENT37_BASE_URL
  request_timeout = "60s"
  max_retries     = 6
}
