"""AWS Bedrock Runtime Converse / ConverseStream."""
